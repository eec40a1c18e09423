namespace CpstExporter.Pricing;

/// <summary>A call priced by a price entry: the cost, whether a prompt tier above the base applied, and whether the served
/// service tier had no price in the entry (the call was then priced at standard).</summary>
internal readonly record struct TablePrice(decimal CostUsd, bool LongContext, bool ServiceTierUnpriced);
