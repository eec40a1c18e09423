namespace CpstExporter.Aggregation;

/// <summary>(model, service_tier) of <c>cpst_unpriced_service_tier_calls_total</c>.</summary>
internal readonly record struct ServiceTierKey(string Model, string ServiceTier);
