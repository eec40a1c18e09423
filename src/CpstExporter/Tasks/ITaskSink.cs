namespace CpstExporter.Tasks;

/// <summary>Where the task stage sends what it decides; implemented downstream by the aggregation.</summary>
internal interface ITaskSink
{
    void TaskFinished(in TaskRecord task);
    void LateSpan(in TaskLabels labels, in LateContribution contribution);
    void LateOutcome();
    void OutcomeDropped();
}
