namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// A change in agent behaviour that the demo switches on after its warm-up, each moving one branch of the CPST
/// driver tree (CPST = cost per task ÷ success ratio; cost per task = calls per task × cost per call), so that the
/// dashboards and the alert that watches that branch have something to show.
/// </summary>
internal enum Scenario
{
    /// <summary>Steady traffic, nothing changes.</summary>
    None,
    /// <summary>Output tokens per LLM call up (a prompt change that makes answers longer): <c>OutputTokensPerCallSurge</c>, <c>CpstSpike</c>.</summary>
    VerbosePrompt,
    /// <summary>LLM calls per task up (the agent re-plans in a loop): <c>AgentLoopSuspected</c>.</summary>
    AgentLoops,
    /// <summary>Three calls of the main tool instead of one (a "more thorough" prompt): <c>ToolCallsPerTaskSurge</c>, <c>CpstSpike</c>.</summary>
    ToolStorm,
    /// <summary>A cheaper model that fails more often: token spend falls, CPST rises.</summary>
    CheapModel,
    /// <summary>Success ratio down at the same cost: <c>TaskSuccessRateDrop</c>, <c>CpstSpike</c>.</summary>
    QualityDrop,
    /// <summary>Volume up at the same cost per task and success ratio: spend rises, CPST stays flat, nothing fires.</summary>
    Growth,
}
