using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// A finished task: its labels and what it cost; with a breakdown when the task API keeps recent tasks. <paramref name="DecidedBy"/>
/// is the signal that decided its outcome (<see cref="OutcomeSource.None"/>: none did, it is <c>unknown</c>); <paramref name="Api"/>
/// the outcome API's verdict, if one came; <paramref name="Evaluations"/> its evaluations, judged under its use case's policy.
/// </summary>
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
    TaskBreakdown? Breakdown = null,
    OutcomeSource DecidedBy = OutcomeSource.None,
    ApiVerdict? Api = null,
    EvaluationOutcome[]? Evaluations = null);
