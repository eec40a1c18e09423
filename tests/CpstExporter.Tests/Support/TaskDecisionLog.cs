using CpstExporter.Primitives;
using CpstExporter.Tasks;

namespace CpstExporter.Tests.Support;

/// <summary>What the task stage decided, kept in order across calls (<see cref="RecordingAssembler"/>).</summary>
internal sealed class TaskDecisionLog
{
    public List<TaskRecord> Finished { get; } = [];
    public List<(TaskLabels Labels, LateContribution Contribution)> LateSpans { get; } = [];
    /// <summary>One entry per call counted alone, and one per calls alike counted at once (their sums; <see cref="CallCounts"/>).</summary>
    public List<(string UseCase, CountedCall Call)> Calls { get; } = [];
    /// <summary>How many calls each entry of <see cref="Calls"/> is.</summary>
    public List<int> CallCounts { get; } = [];
    /// <summary>The finished traces the journal was to record first, in order.</summary>
    public List<TraceId> Journaled { get; } = [];
    public int LateOutcomes { get; private set; }
    public int DroppedOutcomes { get; private set; }
    public int EarlyCountedCalls { get; private set; }
    public int Duplicates { get; private set; }
    public int Refused { get; private set; }

    /// <summary>Keeps what one call decided, and empties <paramref name="decisions"/> for the next.</summary>
    public void Keep(TaskDecisions decisions)
    {
        Finished.AddRange(decisions.Finished);
        LateSpans.AddRange(decisions.LateSpans);
        foreach (CountedCalls counted in decisions.Counted)
        {
            Calls.Add((counted.UseCase, counted.Sum));
            CallCounts.Add(counted.Calls);
        }
        Journaled.AddRange(decisions.ToJournal);
        EarlyCountedCalls += decisions.EarlyCountedCalls;
        Duplicates += decisions.DuplicateSpans;
        DroppedOutcomes += decisions.DroppedOutcomes;
        Refused += decisions.RefusedSpans;
        decisions.Clear();
    }

    /// <summary>Counts a late or dropped outcome, as the service does with what the outcome API was told.</summary>
    public OutcomeApplied Keep(OutcomeApplied applied)
    {
        if (applied == OutcomeApplied.Late) LateOutcomes++;
        if (applied == OutcomeApplied.Dropped) DroppedOutcomes++;
        return applied;
    }
}
