using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using CpstExporter.Aggregation;
using CpstExporter.Billing;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Hosting;

/// <summary>
/// Hands what the task stage decided (<see cref="TaskDecisions"/>) to those after it, in this order: the journal of
/// finished tasks (<see cref="TaskStateFile.RecordFinished"/>), then the ledger of traced cost (<see cref="TracedCostLedger"/>),
/// then the metrics (<see cref="CpstMetrics"/>), then the recent-task store of the task API (<see cref="RecentTasks"/>).
/// The journal comes first so that a task a checkpoint wrote is recorded as finished before a scrape can count it: a
/// restart after a kill then does not count it again. The ledger comes next, and the state file is told at once that it
/// has the calls (<see cref="TaskStateFile.Recorded"/>): a checkpoint waits for that before it takes the ledger, so the
/// file never holds a call both in the ledger and as held by a task.
/// Runs after the task lock is released: recording takes a series' lookup and lock, and the task lock is the one every
/// export waits for.
/// </summary>
/// <remarks>Also lends the decisions objects out, so that an export request allocates none (<see cref="Rent"/>).</remarks>
internal sealed class TaskDecisionDelivery(CpstMetrics metrics, RecentTasks recent, TaskStateFile stateFile, TracedCostLedger? ledger = null)
{
    /// <summary>Spare decisions kept for reuse: about as many as exports run at once.</summary>
    private const int MaxSpare = 64;

    /// <summary>Decisions whose lists grew past this (a huge request) are not kept: the pool stays small.</summary>
    private const int MaxKeptEntries = 16 * 1024;

    private readonly ConcurrentQueue<TaskDecisions> _spare = new();
    private int _spareCount;

    public TaskDecisions Rent()
    {
        if (!_spare.TryDequeue(out TaskDecisions? decisions)) return new TaskDecisions();
        Interlocked.Decrement(ref _spareCount);
        return decisions;
    }

    /// <summary>Takes back what <see cref="Rent"/> lent, emptied.</summary>
    public void Return(TaskDecisions decisions)
    {
        stateFile.Recorded(decisions); // delivered, or given up on: a checkpoint must not wait for it
        if (decisions.Counted.Capacity > MaxKeptEntries || decisions.Finished.Capacity > MaxKeptEntries || decisions.LateSpans.Capacity > MaxKeptEntries) return;
        decisions.Clear();
        if (Interlocked.Increment(ref _spareCount) > MaxSpare)
        {
            Interlocked.Decrement(ref _spareCount);
            return;
        }
        _spare.Enqueue(decisions);
    }

    public void Deliver(TaskDecisions decisions)
    {
        stateFile.RecordFinished(CollectionsMarshal.AsSpan(decisions.ToJournal));
        try
        {
            ledger?.Record(CollectionsMarshal.AsSpan(decisions.Counted));
        }
        finally
        {
            stateFile.Recorded(decisions);
        }
        foreach (ref readonly TaskRecord task in CollectionsMarshal.AsSpan(decisions.Finished))
        {
            metrics.TaskFinished(in task);
            recent.Add(in task);
        }
        foreach (ref readonly CountedCalls counted in CollectionsMarshal.AsSpan(decisions.Counted))
            metrics.CallsCounted(counted.UseCase, counted.Sum, counted.Calls);
        foreach (ref readonly var late in CollectionsMarshal.AsSpan(decisions.LateSpans))
            metrics.LateSpan(in late.Labels, in late.Contribution);
        if (decisions.DuplicateSpans > 0) metrics.SpansDuplicated(decisions.DuplicateSpans);
        if (decisions.EarlyCountedCalls > 0) metrics.CallsCountedEarly(decisions.EarlyCountedCalls);
        if (decisions.DroppedOutcomes > 0) metrics.OutcomesDropped(decisions.DroppedOutcomes);
        if (decisions.LateOutcomes > 0) metrics.OutcomesLate(decisions.LateOutcomes);
    }
}
