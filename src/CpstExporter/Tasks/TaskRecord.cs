using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>A finished task: its labels and what it cost; with a breakdown when the task API keeps recent tasks.</summary>
internal readonly record struct TaskRecord(
    TraceId TraceId,
    TaskLabels Labels,
    decimal CostUsd,
    int LlmCalls,
    int ToolCalls,
    long InputTokens,
    long OutputTokens,
    DateTimeOffset FinishedAt,
    FinishReason Reason,
    TaskBreakdown? Breakdown = null);
