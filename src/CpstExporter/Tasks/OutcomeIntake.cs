using System.Runtime.CompilerServices;
using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// Applies outcomes from the outcome API: to the pending task of the trace, or held for a trace not seen yet, or counted
/// late when the task already finished. Called under <see cref="TaskAssembler"/>'s lock.
/// </summary>
/// <remarks>
/// Only the first API outcome of a task or held trace id sets a deadline: a later one replaces the verdict (a review
/// corrected) but does not move the deadline, so re-posting cannot keep a task pending, or grow the held-outcome
/// queue, without end.
/// </remarks>
internal sealed class OutcomeIntake(TaskLifecycle tasks)
{
    public OutcomeApplied Apply(TraceId traceId, Outcome outcome)
    {
        long now = tasks.NowMs();
        if (tasks.TryGetPending(traceId, out PendingTask? task))
        {
            bool first = task.OutcomeSource != OutcomeSource.Api;
            task.Outcome = outcome;
            task.OutcomeSource = OutcomeSource.Api;
            if (first)
            {
                task.LastActivityMs = now;
                tasks.Schedule(task);
            }
            return OutcomeApplied.Applied;
        }
        if (tasks.Finished.ContainsKey(traceId)) return OutcomeApplied.Late;
        ref Outcome already = ref tasks.HeldOutcomes.GetValueRefOrNullRef(traceId);
        if (!Unsafe.IsNullRef(ref already))
        {
            already = outcome;
            return OutcomeApplied.Held;
        }
        if (tasks.HeldOutcomes.IsFull) return OutcomeApplied.Dropped;
        tasks.HeldOutcomes.Set(traceId, outcome, now + tasks.WindowMs, out _);
        return OutcomeApplied.Held;
    }
}
