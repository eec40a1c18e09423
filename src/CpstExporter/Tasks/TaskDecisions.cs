using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// What one call into the task stage decided, returned to its caller to hand on: the calls that count, the tasks that
/// finished and which of them the journal must record first, the spans of finished tasks, and what was refused or not
/// counted again. The task stage fills it under its lock and sends nothing anywhere; the caller delivers it once the
/// lock is released (<c>TaskDecisionDelivery</c>), so recording into the metrics never holds up an export.
/// </summary>
/// <remarks>Reused from call to call: <see cref="Clear"/> empties it and keeps its lists' capacity, so a call allocates nothing.</remarks>
internal sealed class TaskDecisions
{
    /// <summary>Calls that count, under their task's use case: one entry per call, or per calls alike counted at once.</summary>
    public List<CountedCalls> Counted { get; } = [];

    /// <summary>Tasks that finished, in the order they did.</summary>
    public List<TaskRecord> Finished { get; } = [];

    /// <summary>
    /// Of <see cref="Finished"/>, the traces a checkpoint may have written to the state file: the journal of finished tasks
    /// must record them before anything counts them, so that a restart after a kill does not restore and count them again.
    /// </summary>
    public List<TraceId> ToJournal { get; } = [];

    /// <summary>Spans of tasks already finished: what each adds to its task's series.</summary>
    public List<(TaskLabels Labels, LateContribution Contribution)> LateSpans { get; } = [];

    /// <summary>Spans refused because they would have started a task after the request used up its evictions (<see cref="TaskOptions.MaxEvictionsPerRequest"/>).</summary>
    public int RefusedSpans { get; set; }

    /// <summary>Spans seen before (a retried batch, or the same span over another protocol): not counted again.</summary>
    public int DuplicateSpans { get; set; }

    /// <summary>Calls counted before their task's use case was final: the task held as many kinds of calls as it keeps (<see cref="HeldCalls.MaxSummedGroups"/>).</summary>
    public int EarlyCountedCalls { get; set; }

    /// <summary>Outcomes and evaluations held for traces never seen, dropped at the end of the outcome window or when there was no room.</summary>
    public int DroppedOutcomes { get; set; }

    /// <summary>Evaluations for tasks already finished: counted as late outcomes, change nothing.</summary>
    public int LateOutcomes { get; set; }

    /// <summary>
    /// Set under the task lock when <see cref="Counted"/> has calls that a later stage keeps across restarts (the ledger
    /// of traced cost) and has not yet recorded; cleared by <see cref="TaskAssembler.Recorded"/>. A checkpoint waits
    /// for none to be left before it takes the state file's sections (<see cref="State.IStateSection"/>).
    /// </summary>
    public bool AwaitsRecording { get; set; }

    public bool IsEmpty => Counted.Count == 0 && Finished.Count == 0 && LateSpans.Count == 0 &&
        RefusedSpans == 0 && DuplicateSpans == 0 && EarlyCountedCalls == 0 && DroppedOutcomes == 0 && LateOutcomes == 0;

    public void Clear()
    {
        Counted.Clear();
        Finished.Clear();
        ToJournal.Clear();
        LateSpans.Clear();
        RefusedSpans = DuplicateSpans = EarlyCountedCalls = DroppedOutcomes = LateOutcomes = 0;
    }
}
