namespace CpstExporter.Tasks;

/// <summary>A pending task as written to <c>Cpst:Tasks:StateFile</c>. Money as decimal, times as Unix milliseconds.</summary>
internal sealed record PendingTaskState(
    string TraceId,
    long FirstSeenMs,
    long LastActivityMs,
    string? UseCase,
    int UseCaseRank,
    string? Environment,
    bool EnvironmentFromRoot,
    string? Variant,
    bool VariantFromRoot,
    Conventions.Outcome Outcome,
    OutcomeSource OutcomeSource,
    ulong OutcomeSpanEnd,
    bool RootError,
    decimal SpanCostUsd,
    decimal? TaskCostUsd,
    int LlmCalls,
    int ToolCalls,
    long InputTokens,
    long OutputTokens,
    List<ModelShareState> Models);

internal sealed record ModelShareState(string Model, decimal CostUsd, int Calls);

/// <summary>The whole state file: pending tasks and outcomes held for traces not seen yet.</summary>
internal sealed record TaskStateSnapshot(int Version, List<PendingTaskState> Tasks, List<HeldOutcomeState> HeldOutcomes)
{
    public const int CurrentVersion = 1;
}

internal sealed record HeldOutcomeState(string TraceId, Conventions.Outcome Outcome, long ExpiresMs);
