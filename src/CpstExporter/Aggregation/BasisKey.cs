namespace CpstExporter.Aggregation;

/// <summary>(use_case, basis, service_tier) of the by-basis LLM metrics: how each dollar of a use case was priced.</summary>
internal readonly record struct BasisKey(string UseCase, string Basis, string ServiceTier);
