namespace CpstExporter.LoadGen.Demo;

/// <summary>One step of a task: an LLM call (model and token counts) or a tool call (tool name).</summary>
internal sealed record CallShape
{
    public required CallKind Kind { get; init; }

    /// <summary>The model of an LLM call, null for a tool call.</summary>
    public ModelSpec? Model { get; init; }

    /// <summary>The tool of a tool call, null for an LLM call.</summary>
    public string? Tool { get; init; }

    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }

    /// <summary>Input tokens read from the prompt cache: a subset of <see cref="InputTokens"/>.</summary>
    public long CacheReadTokens { get; init; }

    public required double DurationSeconds { get; init; }

    public static CallShape Llm(ModelSpec model, long input, long output, long cacheRead, double durationSeconds) =>
        new() { Kind = CallKind.Llm, Model = model, InputTokens = input, OutputTokens = output, CacheReadTokens = cacheRead, DurationSeconds = durationSeconds };

    public static CallShape ToolCall(string tool, double durationSeconds) =>
        new() { Kind = CallKind.Tool, Tool = tool, DurationSeconds = durationSeconds };
}
