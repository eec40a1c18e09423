namespace CpstExporter.Aggregation;

/// <summary>(use_case, model) of <c>cpst_unpriced_llm_calls_total</c>.</summary>
internal readonly record struct UnpricedKey(string UseCase, string Model);
