namespace CpstExporter.Tasks;

/// <summary>Where the task stage sends what it decides; implemented downstream by the aggregation.</summary>
internal interface ITaskSink
{
    void TaskFinished(in TaskRecord task);
    /// <summary>A call counts, under its task's use case, now final.</summary>
    void CallCounted(string useCase, in CountedCall call);
    /// <summary>
    /// <paramref name="calls"/> calls alike count, under their task's use case: <paramref name="sum"/> holds their tokens
    /// and cost summed (<see cref="CountedCall.Times"/>). Records what <paramref name="calls"/> calls of
    /// <see cref="CallCounted"/> would.
    /// </summary>
    void CallsCounted(string useCase, in CountedCall sum, int calls);
    /// <summary>A call of a task still waiting for its root was counted before the use case was final: the task held as
    /// many kinds of calls as it keeps (<see cref="HeldCalls.MaxSummedGroups"/>).</summary>
    void CallCountedEarly();
    /// <summary>A span arrived again (a retried batch, or over another protocol) and was not counted again.</summary>
    void SpanDuplicated();
    void LateSpan(in TaskLabels labels, in LateContribution contribution);
    void LateOutcome();
    void OutcomeDropped();
    /// <summary>A write of the state file or of its journal of finished tasks failed.</summary>
    void StateSaveFailed();
}
