namespace CpstExporter.Tasks;

/// <summary>Where the task stage sends what it decides; implemented downstream by the aggregation.</summary>
internal interface ITaskSink
{
    void TaskFinished(in TaskRecord task);
    /// <summary>A call counts, under its task's use case, now final.</summary>
    void CallCounted(string useCase, in CountedCall call);
    /// <summary>A span arrived again (a retried batch, or over another protocol) and was not counted again.</summary>
    void SpanDuplicated();
    void LateSpan(in TaskLabels labels, in LateContribution contribution);
    void LateOutcome();
    void OutcomeDropped();
    /// <summary>A write of the state file or of its journal of finished tasks failed.</summary>
    void StateSaveFailed();
}
