namespace CpstExporter.LoadGen.Demo;

/// <summary>One agent task, decided before it is sent: what it calls, whether it succeeds and how that is reported.</summary>
internal sealed record TaskShape
{
    public required UseCaseProfile UseCase { get; init; }
    public string? Variant { get; init; }

    /// <summary>The steps in the order the agent makes them: an LLM call first and last, tool calls between LLM calls.</summary>
    public required IReadOnlyList<CallShape> Calls { get; init; }

    public required bool Succeeded { get; init; }
    public required OutcomeDelivery Delivery { get; init; }

    /// <summary>For <see cref="OutcomeDelivery.Later"/>: seconds after the task ends that its outcome is posted.</summary>
    public double OutcomeDelaySeconds { get; init; }

    /// <summary>Whether a scenario changed this task (it started after the warm-up and belongs to the target use case).</summary>
    public bool Changed { get; init; }

    public string OutcomeValue => Succeeded ? "success" : "failure";

    /// <summary>The model of its LLM calls: one model per task.</summary>
    public ModelSpec Model => Calls.First(c => c.Kind == CallKind.Llm).Model!;

    public int LlmCalls => Calls.Count(c => c.Kind == CallKind.Llm);
    public int ToolCalls => Calls.Count(c => c.Kind == CallKind.Tool);
    public int SpanCount => Calls.Count + 1;
    public double DurationSeconds => Calls.Sum(c => c.DurationSeconds);
}
