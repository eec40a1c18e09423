namespace CpstExporter.Aggregation;

/// <summary>(use_case, provider, model) of the per-call LLM metrics.</summary>
internal readonly record struct LlmCallKey(string UseCase, string Provider, string Model);
