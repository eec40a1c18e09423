using CpstExporter.Conventions;

namespace CpstExporter.Tasks;

/// <summary>The calls of one model (<see cref="SpanRole.Llm"/>) or one tool (<see cref="SpanRole.Tool"/>) within a task.</summary>
internal readonly record struct CallShare(SpanRole Role, string Name, int Calls, long InputTokens, long OutputTokens, decimal CostUsd)
{
    /// <summary>This share with more calls added; sums saturate.</summary>
    public CallShare Plus(int calls, long inputTokens, long outputTokens, decimal costUsd) => this with
    {
        Calls = Saturating.Add(Calls, calls),
        InputTokens = Saturating.Add(InputTokens, inputTokens),
        OutputTokens = Saturating.Add(OutputTokens, outputTokens),
        CostUsd = Saturating.Add(CostUsd, costUsd),
    };
}
