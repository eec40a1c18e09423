using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// One LLM or tool call that counts, as the per-call metrics record it under its task's use case: with how an LLM call
/// was priced (<see cref="Basis"/>) and at which served <see cref="ServiceTier"/>. Several calls alike are also one value,
/// whose tokens and cost are their sums (<see cref="Times"/>, <see cref="HeldCalls"/>).
/// </summary>
/// <param name="EndDay">The UTC day the call's span ended, which the ledger of traced cost files it under
/// (docs/billing.md, "The ledger"); <c>default</c> when the span gave no end time.</param>
internal readonly record struct CountedCall(
    SpanRole Role, string? Provider, string? Model, string? Tool, TokenUsage Tokens, decimal CostUsd, bool Unpriced,
    PricingBasis Basis = PricingBasis.Table, ServiceTier ServiceTier = ServiceTier.Standard, bool ServiceTierUnpriced = false,
    DateOnly EndDay = default)
{
    private const ulong NanosPerDay = 86_400_000_000_000UL;
    private static readonly int UnixEpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    public static CountedCall Of(in SpanFacts span, in CallPrice price) =>
        new(span.Role, span.Provider, span.Model, span.ToolName, span.Tokens, price.CostUsd, price.Unpriced,
            price.Basis, price.ServiceTier, price.ServiceTierUnpriced, DayOf(span.EndTimeUnixNano));

    /// <summary>The UTC day of a Unix time in nanoseconds; <c>default</c> for 0 (no time). Every ulong is a day DateOnly holds.</summary>
    public static DateOnly DayOf(ulong unixNano) =>
        unixNano == 0 ? default : DateOnly.FromDayNumber(UnixEpochDay + (int)(unixNano / NanosPerDay));

    /// <summary>
    /// <paramref name="calls"/> calls of this one, as one: tokens and cost summed, to the last digit of what adding the
    /// call that many times gives. Counts saturate.
    /// </summary>
    public CountedCall Times(int calls)
    {
        if (calls == 1) return this;
        var tokens = new TokenUsage(Times(Tokens.Input, calls), Times(Tokens.Output, calls), Times(Tokens.CacheRead, calls),
            Times(Tokens.CacheWrite, calls), Times(Tokens.Reasoning, calls));
        return this with { Tokens = tokens, CostUsd = Times(CostUsd, calls) };
    }

    private static long Times(long value, int calls)
    {
        long product = Math.BigMul(value, calls, out long low);
        // The product fits in a long when its high half is only the sign of its low half.
        if (product == low >> 63) return low;
        return (value < 0) != (calls < 0) ? long.MinValue : long.MaxValue;
    }

    /// <summary>
    /// The sum of <paramref name="calls"/> times <paramref name="cost"/>. A product that kept every digit (its scale is
    /// the cost's: decimal multiplication rounds only by dropping decimals) is that sum; one that had to round, which
    /// takes a cost of about 28 significant digits, is summed one addition at a time, as counting each call would.
    /// </summary>
    private static decimal Times(decimal cost, int calls)
    {
        decimal product = Saturating.Multiply(cost, calls);
        if (product.Scale == cost.Scale) return product;
        decimal sum = 0m;
        for (int i = 0; i < calls; i++) sum = Saturating.Add(sum, cost);
        return sum;
    }
}
