using CpstExporter.Tasks;

namespace CpstExporter.Tests.Support;

/// <summary>An <see cref="ITaskSink"/> that keeps what the task stage told it, in order.</summary>
internal sealed class RecordingTaskSink : ITaskSink
{
    public List<TaskRecord> Finished { get; } = [];
    public List<(TaskLabels Labels, LateContribution Contribution)> LateSpans { get; } = [];
    public int LateOutcomes { get; private set; }
    public int DroppedOutcomes { get; private set; }
    /// <summary>One entry per call counted alone, and one per calls alike counted at once (their sums; <see cref="CallCounts"/>).</summary>
    public List<(string UseCase, CountedCall Call)> Calls { get; } = [];
    /// <summary>How many calls each entry of <see cref="Calls"/> is.</summary>
    public List<int> CallCounts { get; } = [];
    public int EarlyCountedCalls { get; private set; }
    public int Duplicates { get; private set; }
    public int StateSaveFailures { get; private set; }

    public void CallCounted(string useCase, in CountedCall call) => CallsCounted(useCase, in call, 1);

    public void CallsCounted(string useCase, in CountedCall sum, int calls)
    {
        Calls.Add((useCase, sum));
        CallCounts.Add(calls);
    }

    public void CallCountedEarly() => EarlyCountedCalls++;

    public void SpanDuplicated() => Duplicates++;

    public void TaskFinished(in TaskRecord task) => Finished.Add(task);

    public void LateSpan(in TaskLabels labels, in LateContribution contribution) => LateSpans.Add((labels, contribution));

    public void LateOutcome() => LateOutcomes++;

    public void OutcomeDropped() => DroppedOutcomes++;

    public void StateSaveFailed() => StateSaveFailures++;
}
