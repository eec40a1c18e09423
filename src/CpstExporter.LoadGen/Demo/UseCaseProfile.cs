namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// What the tasks of one agent look like in steady state: its models, how many LLM and tool calls a task makes,
/// token counts per call, how often it succeeds and how its outcome is reported.
/// </summary>
internal sealed record UseCaseProfile
{
    /// <summary>The use case, sent as <c>cpst.use_case</c> and <c>gen_ai.agent.name</c> on the root.</summary>
    public required string Name { get; init; }

    /// <summary>This agent's share of the demo's base rate of tasks.</summary>
    public required double Share { get; init; }

    public required ModelSpec Model { get; init; }

    /// <summary>The model the <see cref="Scenario.CheapModel"/> scenario switches to.</summary>
    public required ModelSpec CheapModel { get; init; }

    /// <summary>LLM calls per task; at least 2 when the task calls tools (one asks for them, one reads their results).</summary>
    public required IntRange LlmCallsPerTask { get; init; }
    public required IntRange InputTokensPerCall { get; init; }
    public required IntRange OutputTokensPerCall { get; init; }

    /// <summary>Share of LLM calls that hit the prompt cache, and the share of their input read from it.</summary>
    public required double CacheHitRatio { get; init; }
    public required double CachedInputShare { get; init; }

    /// <summary>The tool the <see cref="Scenario.ToolStorm"/> scenario calls three times as often.</summary>
    public required ToolSpec PrimaryTool { get; init; }
    public IReadOnlyList<ToolSpec> OtherTools { get; init; } = [];

    public required double SuccessRatio { get; init; }
    public required double CheapModelSuccessRatio { get; init; }

    /// <summary>Shares of tasks whose outcome is on the root and sent later; the rest never get one.</summary>
    public required double OutcomeOnRootShare { get; init; }
    public required double OutcomeLaterShare { get; init; }
    public required double MinOutcomeDelaySeconds { get; init; }
    public required double MaxOutcomeDelaySeconds { get; init; }

    /// <summary>Whether the agent streams its model's answers (a chat front end) rather than waiting for each whole.</summary>
    public bool Streams { get; init; }

    /// <summary>A/B variants (<c>cpst.variant</c>), drawn evenly; none when empty.</summary>
    public IReadOnlyList<string> Variants { get; init; } = [];
}
