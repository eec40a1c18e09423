using CpstExporter.Tasks;

namespace CpstExporter.Tests.Support;

/// <summary>An <see cref="ITaskSink"/> that keeps what the task stage told it, in order.</summary>
internal sealed class RecordingTaskSink : ITaskSink
{
    public List<TaskRecord> Finished { get; } = [];
    public List<(TaskLabels Labels, LateContribution Contribution)> LateSpans { get; } = [];
    public int LateOutcomes { get; private set; }
    public int DroppedOutcomes { get; private set; }
    public List<(string UseCase, CountedCall Call)> Calls { get; } = [];
    public int Duplicates { get; private set; }
    public int StateSaveFailures { get; private set; }

    public void CallCounted(string useCase, in CountedCall call) => Calls.Add((useCase, call));

    public void SpanDuplicated() => Duplicates++;

    public void TaskFinished(in TaskRecord task) => Finished.Add(task);

    public void LateSpan(in TaskLabels labels, in LateContribution contribution) => LateSpans.Add((labels, contribution));

    public void LateOutcome() => LateOutcomes++;

    public void OutcomeDropped() => DroppedOutcomes++;

    public void StateSaveFailed() => StateSaveFailures++;
}
