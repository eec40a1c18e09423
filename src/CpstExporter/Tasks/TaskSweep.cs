namespace CpstExporter.Tasks;

/// <summary>
/// Finishes tasks: those whose deadline has passed (the sweep, ten times a second), and the oldest pending task when a new
/// trace arrives at <see cref="TaskOptions.MaxPending"/> (eviction). Forgets what has expired: outcomes held for traces
/// never seen, finished tasks past the time they are remembered. Called under <see cref="TaskAssembler"/>'s lock.
/// </summary>
internal sealed class TaskSweep(TaskLifecycle tasks)
{
    /// <summary>
    /// Finishes up to <paramref name="most"/> tasks whose deadline has passed: first those that waited the outcome window
    /// for an outcome, then those that settled. Forgets what has expired once no more are due. Returns how many finished.
    /// </summary>
    public int FinishDue(long now, DateTimeOffset wallNow, int most, TaskDecisions decisions)
    {
        int finished = 0;
        while (finished < most && tasks.Waiting.Head is PendingTask task && task.FirstSeenMs + tasks.WindowMs <= now)
        {
            tasks.Finish(task, FinishReason.OutcomeWindowElapsed, now, wallNow, decisions);
            finished++;
        }
        while (finished < most && tasks.Settling.Head is PendingTask task && task.LastActivityMs + tasks.SettleMs <= now)
        {
            tasks.Finish(task, FinishReason.Settled, now, wallNow, decisions);
            finished++;
        }
        if (finished < most) ForgetExpired(now, decisions);
        return finished;
    }

    private void ForgetExpired(long now, TaskDecisions decisions)
    {
        while (tasks.HeldOutcomes.TryTakeExpired(now, out _, out HeldVerdicts? held))
            decisions.DroppedOutcomes += (held.Api is null ? 0 : 1) + (held.Evaluations?.Count ?? 0);
        tasks.ForgetFinished(now);
    }

    /// <summary>
    /// Makes room for a new task at <see cref="TaskOptions.MaxPending"/> by finishing the oldest pending one early, as long
    /// as the request has evictions left (<paramref name="evictionsLeft"/>, from <see cref="TaskOptions.MaxEvictionsPerRequest"/>).
    /// False when there is no room and the request may evict no more: the span that would start the task is refused.
    /// </summary>
    public bool MakeRoom(long now, ref int evictionsLeft, TaskDecisions decisions)
    {
        if (tasks.PendingCount < tasks.Options.MaxPending || tasks.Oldest() is not PendingTask oldest) return true;
        if (evictionsLeft == 0) return false;
        evictionsLeft--;
        tasks.Finish(oldest, FinishReason.Evicted, now, tasks.WallNow(), decisions);
        return true;
    }
}
