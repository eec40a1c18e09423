namespace CpstExporter.Tasks;

/// <summary>What a span that arrived after its task finished adds to that task's counters.</summary>
internal readonly record struct LateContribution(decimal CostUsd, int LlmCalls, int ToolCalls, long InputTokens, long OutputTokens);
