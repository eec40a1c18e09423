using CpstExporter.Pricing;
using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>A call held until the task's use case is final.</summary>
internal sealed record HeldCallState(
    ulong SpanId, SpanRole Role, string? Provider, string? Model, string? Tool,
    long InputTokens, long OutputTokens, long CacheReadTokens, long CacheWriteTokens, long ReasoningTokens,
    decimal CostUsd, bool Unpriced,
    PricingBasis Basis = PricingBasis.Table, ServiceTier ServiceTier = ServiceTier.Standard, bool ServiceTierUnpriced = false);
