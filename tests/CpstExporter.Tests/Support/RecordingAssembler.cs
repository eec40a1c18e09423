using System.Runtime.InteropServices;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Tests.Support;

/// <summary>
/// A <see cref="TaskAssembler"/> whose every call keeps what the task stage returned in a <see cref="TaskDecisionLog"/>
/// (which several assemblers may share: a service and the one that restarts from its state file), as the service would
/// hand it on. Its calls are the assembler's, and sweep as the sweeper does.
/// </summary>
internal sealed class RecordingAssembler(TaskOptions options, TaskDecisionLog log, TimeProvider time)
{
    private readonly TaskDecisions _decisions = new();

    public TaskAssembler Assembler { get; } = new(options, time);

    /// <summary>Where finished tasks a checkpoint wrote are recorded first, as the service does; none when null.</summary>
    public FinishedTaskJournal? Journal { get; set; }

    public TaskOptions Options => Assembler.Options;
    public int PendingCount => Assembler.PendingCount;
    internal int HeldOutcomeEntries => Assembler.HeldOutcomeEntries;

    /// <summary>Adds the spans; returns how many were refused at the pending limit.</summary>
    public int Add(ReadOnlySpan<SpanFacts> spans, ReadOnlySpan<CallPrice> prices)
    {
        try
        {
            Assembler.Add(spans, prices, _decisions);
            return _decisions.RefusedSpans;
        }
        finally
        {
            Journal?.Append(CollectionsMarshal.AsSpan(_decisions.ToJournal));
            log.Keep(_decisions);
        }
    }

    public OutcomeApplied ApplyOutcome(TraceId traceId, Outcome outcome) => log.Keep(Assembler.ApplyOutcome(traceId, outcome));

    /// <summary>Sweeps batch after batch until nothing more is due, as the sweeper does; returns how many tasks finished.</summary>
    public int Sweep()
    {
        int finished = 0;
        bool more;
        do
        {
            try
            {
                more = Assembler.Sweep(_decisions);
                finished += _decisions.Finished.Count;
            }
            finally
            {
                Journal?.Append(CollectionsMarshal.AsSpan(_decisions.ToJournal));
            log.Keep(_decisions);
            }
        }
        while (more);
        return finished;
    }

    public (int Tasks, int HeldOutcomes) WriteState(Stream output, long? journalSegment = null, Action? atStart = null) =>
        Assembler.WriteState(output, journalSegment, atStart);

    public (int Restored, int Finished) Restore(LoadedState state, IReadOnlySet<TraceId> finished) => Assembler.Restore(state, finished);

    public TaskStateSnapshot Snapshot() => Assembler.Snapshot();

    public void Restore(TaskStateSnapshot snapshot) => Assembler.Restore(snapshot);

    public (long NowMs, long WallNowMs) Clock() => Assembler.Clock();
}
