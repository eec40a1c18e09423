
namespace CpstExporter.Tasks.State;

/// <summary>What the task API shows of a task beyond its totals, kept across a restart; absent in files before it.</summary>
internal sealed record BreakdownState(
    ulong StartUnixNano, ulong EndUnixNano, long CacheReadTokens, long CacheWriteTokens, long ReasoningTokens,
    decimal ToolCostUsd, string? Tool, List<ToolShareState>? OtherTools);
