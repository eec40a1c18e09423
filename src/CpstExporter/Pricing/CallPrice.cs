namespace CpstExporter.Pricing;

/// <summary>What one span costs, and whether it is an LLM call with tokens that nothing could price (it then costs 0).</summary>
internal readonly record struct CallPrice(decimal CostUsd, bool Unpriced);
