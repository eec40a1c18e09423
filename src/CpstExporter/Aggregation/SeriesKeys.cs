using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary>(use_case, provider, model) of the per-call LLM metrics.</summary>
internal readonly record struct LlmCallKey(string UseCase, string Provider, string Model);

/// <summary>(use_case, tool) of the per-call tool metrics.</summary>
internal readonly record struct ToolCallKey(string UseCase, string Tool);

/// <summary>(use_case, model) of <c>cpst_unpriced_llm_calls_total</c>.</summary>
internal readonly record struct UnpricedKey(string UseCase, string Model);

/// <summary>(use_case, outcome) of the task cost histogram.</summary>
internal readonly record struct HistogramKey(string UseCase, Outcome Outcome);
