using CpstExporter.Tasks;

namespace CpstExporter.Benchmarks;

/// <summary>Takes finished tasks and does nothing, so that task assembly is measured alone.</summary>
internal sealed class NullTaskSink : ITaskSink
{
    public long Finished { get; private set; }

    public void TaskFinished(in TaskRecord task)
    {
        task.Breakdown?.ReturnCalls(); // as the recent-task store does when it lets a task go
        Finished++;
    }
    public void LateSpan(in TaskLabels labels, in LateContribution contribution) { }
    public void LateOutcome() { }
    public void OutcomeDropped() { }
    public void CallCounted(string useCase, in CountedCall call) { }
    public void CallsCounted(string useCase, in CountedCall sum, int calls) { }
    public void CallCountedEarly() { }
    public void SpanDuplicated() { }
    public void StateSaveFailed() { }
}
