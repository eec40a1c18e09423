namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// How a <see cref="Scenario"/> changes the tasks of the use case it targets, once active. Each scenario moves one
/// driver and leaves the others alone, so that the alert for that driver fires and the rest stay quiet where the
/// arithmetic allows (more calls per task also means more cost per task).
/// </summary>
internal sealed record ScenarioEffect
{
    public static readonly ScenarioEffect None = new();

    /// <summary>Output tokens per LLM call are multiplied by this.</summary>
    public double OutputTokensFactor { get; init; } = 1;

    /// <summary>LLM calls per task are multiplied by this.</summary>
    public int LlmCallsFactor { get; init; } = 1;

    /// <summary>Calls of the use case's primary tool per task are multiplied by this.</summary>
    public int PrimaryToolFactor { get; init; } = 1;

    /// <summary>The use case runs on its cheap model, with that model's success ratio.</summary>
    public bool CheapModel { get; init; }

    /// <summary>The success ratio is multiplied by this.</summary>
    public double SuccessFactor { get; init; } = 1;

    /// <summary>The use case's rate of tasks is multiplied by this.</summary>
    public double RateFactor { get; init; } = 1;

    public static ScenarioEffect Of(Scenario scenario) => scenario switch
    {
        Scenario.VerbosePrompt => new ScenarioEffect { OutputTokensFactor = 2.5 },
        Scenario.AgentLoops => new ScenarioEffect { LlmCallsFactor = 3 },
        Scenario.ToolStorm => new ScenarioEffect { PrimaryToolFactor = 3 },
        Scenario.CheapModel => new ScenarioEffect { CheapModel = true },
        Scenario.QualityDrop => new ScenarioEffect { SuccessFactor = 0.6 },
        Scenario.Growth => new ScenarioEffect { RateFactor = 3 },
        _ => None,
    };
}
