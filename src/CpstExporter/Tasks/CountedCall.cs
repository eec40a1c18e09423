using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// One LLM or tool call that counts, as the per-call metrics record it under its task's use case: with how an LLM call
/// was priced (<see cref="Basis"/>) and at which served <see cref="ServiceTier"/>.
/// </summary>
internal readonly record struct CountedCall(
    SpanRole Role, string? Provider, string? Model, string? Tool, TokenUsage Tokens, decimal CostUsd, bool Unpriced,
    PricingBasis Basis = PricingBasis.Table, ServiceTier ServiceTier = ServiceTier.Standard, bool ServiceTierUnpriced = false)
{
    public static CountedCall Of(in SpanFacts span, in CallPrice price) =>
        new(span.Role, span.Provider, span.Model, span.ToolName, span.Tokens, price.CostUsd, price.Unpriced,
            price.Basis, price.ServiceTier, price.ServiceTierUnpriced);
}
