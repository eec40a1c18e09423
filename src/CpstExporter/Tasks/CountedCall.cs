using CpstExporter.Conventions;

namespace CpstExporter.Tasks;

/// <summary>One LLM or tool call that counts, as the per-call metrics record it under its task's use case.</summary>
internal readonly record struct CountedCall(
    SpanRole Role, string? Provider, string? Model, string? Tool, TokenUsage Tokens, decimal CostUsd, bool Unpriced);
