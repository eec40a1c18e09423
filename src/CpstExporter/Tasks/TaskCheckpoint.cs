using CpstExporter.Primitives;

using CpstExporter.Tasks.State;

namespace CpstExporter.Tasks;

/// <summary>
/// The task stage's side of the state file: walks the pending tasks for a checkpoint, a chunk at a time, and takes back
/// the tasks of a file at a start. Called under <see cref="TaskAssembler"/>'s lock, which holds it for one chunk at a time.
/// </summary>
/// <remarks>
/// The tasks change between chunks. The walk takes the tasks waiting for an outcome in the order they arrived, up to
/// the first that arrived after the checkpoint began, then those settling, to the end of their list. A task keeps its
/// place or leaves its list, and one that had activity moves to the end of the settling list, so the walk meets every
/// task that was pending when it began and is still pending, and meets again one that changed after it was written
/// (an outcome, a span of a settling task), whose later entry replaces the earlier at load. A task that finishes after
/// it was written is in the journal (it was first seen before the checkpoint began), so a restart does not take it back.
/// </remarks>
internal sealed class TaskCheckpoint(TaskLifecycle tasks)
{
    /// <summary>Tasks a checkpoint writes per hold of the task lock, so that an export waits at most that long for one.</summary>
    public const int Chunk = 1024;

    /// <summary>Tasks a checkpoint passes over per hold (they arrived after it began), besides those it writes.</summary>
    private const int SkipsPerChunk = 16 * Chunk;

    private long _start;
    private bool _settling;

    /// <summary>
    /// Begins a walk: from now on, finished tasks first seen by now go to the journal. Returns when the file is saved, in
    /// wall-clock Unix milliseconds, what turns the tasks' monotonic times into wall-clock ones, and a copy of the held
    /// outcomes (32 bytes each), written outside the lock.
    /// </summary>
    public (long SavedAtMs, long ToWallMs, List<(TraceId Id, HeldVerdicts Held, long ExpiresMs)> HeldOutcomes) Begin()
    {
        _start = tasks.NowMs();
        _settling = false;
        tasks.WrittenUpTo = _start;
        long savedAt = tasks.WallNow().ToUnixTimeMilliseconds();
        ResetWalk();
        return (savedAt, savedAt - _start, [.. tasks.HeldOutcomes.Entries()]);
    }

    /// <summary>Writes the next chunk of tasks; false when the walk is at its end.</summary>
    public bool WriteChunk(TaskStateWriter writer, ref int written)
    {
        int wrote = 0, skipped = 0;
        while (wrote < Chunk && skipped < SkipsPerChunk && !writer.ChunkFull)
        {
            PendingTaskList list = _settling ? tasks.Settling : tasks.Waiting;
            PendingTask? task = list.NextToWalk;
            // The waiting list is in arrival order: from the first task that arrived after the checkpoint began, none is due.
            if (task is null || (!_settling && task.FirstSeenMs > _start))
            {
                if (_settling) break;
                _settling = true;
                continue;
            }
            list.Walked(task);
            if (task.FirstSeenMs > _start)
            {
                skipped++; // arrived after the checkpoint began: the next one takes it
                continue;
            }
            writer.WriteTask(task);
            wrote++;
        }
        written += wrote;
        return !(_settling && tasks.Settling.NextToWalk is null);
    }

    /// <summary>Forgets the walk's places in the two lists.</summary>
    public void ResetWalk()
    {
        tasks.Waiting.ResetWalk();
        tasks.Settling.ResetWalk();
    }

    /// <summary>
    /// Takes back the tasks of a state file, their deadlines running on from when they were saved. A trace whose task
    /// the journal lists as finished (<paramref name="finished"/>) is not taken back, since it was counted before the
    /// restart; it is remembered as finished, so its late spans and outcomes count as late. Returns how many tasks were
    /// restored and how many remembered as finished.
    /// </summary>
    public (int Restored, int Finished) Restore(LoadedState state, IReadOnlySet<TraceId> finished)
    {
        long now = tasks.NowMs();
        int remembered = 0;
        var restored = new List<PendingTask>(state.Tasks.Count);
        // The last entry of a trace is its newest (a checkpoint writes a task again when it changed): taken first.
        for (int i = state.Tasks.Count - 1; i >= 0; i--)
        {
            PendingTask task = state.Tasks[i];
            if (tasks.IsKnown(task.TraceId)) continue;
            if (finished.Contains(task.TraceId))
            {
                tasks.Remember(task.TraceId, task.Labels(tasks.Decide(task)), task.Spans, now);
                remembered++;
                continue;
            }
            tasks.Track(task);
            restored.Add(task);
        }
        restored.Sort(static (a, b) => a.FirstSeenMs.CompareTo(b.FirstSeenMs));
        tasks.WrittenUpTo = Math.Max(tasks.WrittenUpTo, now); // they are in the state file on disk until a checkpoint replaces it
        // A saved deadline may be earlier than a live task's: each task goes to its place in its list, not to the
        // end. Taken in each list's own order, so that at start-up, with no live tasks, every insertion is at the end.
        foreach (PendingTask task in restored.Where(t => !tasks.IsDecided(t)))
        {
            task.Phase = PendingPhase.Waiting;
            tasks.Waiting.InsertOrdered(task, static t => t.FirstSeenMs);
        }
        foreach (PendingTask task in restored.Where(t => tasks.IsDecided(t)).OrderBy(t => t.LastActivityMs))
        {
            task.Phase = PendingPhase.Settling;
            tasks.Settling.InsertOrdered(task, static t => t.LastActivityMs);
        }
        // The expiry queue is read from its head: in expiry order.
        foreach (var (id, held, expires) in state.HeldOutcomes.OrderBy(h => h.ExpiresMs))
        {
            if (tasks.IsKnown(id)) continue;
            tasks.HeldOutcomes.Set(id, held, expires, out _);
        }
        return (restored.Count, remembered);
    }
}
