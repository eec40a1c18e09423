namespace CpstExporter.Tasks;

/// <summary>
/// What a finished task spent where, for the task API (<c>/api/v1/tasks</c>): its span times, where its outcome came
/// from, its cost split and token classes, and its calls by model and by tool. Made once per finished task, and only
/// when the recent-task store keeps tasks (<c>Cpst:Tasks:RecentTasks</c> above 0).
/// </summary>
/// <param name="StartUnixNano">The earliest span start of the task; 0 when no span said.</param>
/// <param name="EndUnixNano">The latest span end of the task; 0 when no span said.</param>
internal sealed record TaskBreakdown(
    ulong StartUnixNano,
    ulong EndUnixNano,
    OutcomeSource OutcomeSource,
    decimal InferenceCostUsd,
    decimal ToolCostUsd,
    long CacheReadTokens,
    long CacheWriteTokens,
    long ReasoningTokens,
    CallShare[] Calls);
