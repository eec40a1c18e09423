using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// The calls of one model (<see cref="SpanRole.Llm"/>) or one tool (<see cref="SpanRole.Tool"/>) within a task; for a
/// model, how its calls were priced (<see cref="Pricing"/>).
/// </summary>
internal readonly record struct CallShare(SpanRole Role, string Name, int Calls, long InputTokens, long OutputTokens, decimal CostUsd,
    PricingMix Pricing = default)
{
    /// <summary>
    /// Arrays of shares for breakdowns of tasks with several models or tools. A pool of its own: a sweep finishes tasks
    /// by the thousand before the store gives any array back, more than the shared pool keeps per size.
    /// </summary>
    public static readonly System.Buffers.ArrayPool<CallShare> Pool = System.Buffers.ArrayPool<CallShare>.Create(maxArrayLength: 64, maxArraysPerBucket: 8192);

    /// <summary>This share with more calls added; sums saturate.</summary>
    public CallShare Plus(int calls, long inputTokens, long outputTokens, decimal costUsd, in PricingMix pricing)
    {
        PricingMix mix = Pricing;
        mix.Add(in pricing);
        return this with
        {
            Calls = Saturating.Add(Calls, calls),
            InputTokens = Saturating.Add(InputTokens, inputTokens),
            OutputTokens = Saturating.Add(OutputTokens, outputTokens),
            CostUsd = Saturating.Add(CostUsd, costUsd),
            Pricing = mix,
        };
    }
}
