using CpstExporter.Primitives;

namespace CpstExporter.Tasks.State;

/// <summary>
/// A pending task as written to <c>Cpst:Tasks:StateFile</c>. Money as decimal, times as wall-clock Unix milliseconds
/// (the assembler keeps them on the monotonic clock and translates on save and load: <see cref="WallToMonotonic"/>).
/// Since version 5 the outcome API's verdict is apart (<see cref="ApiOutcome"/>, <see cref="ApiSource"/>,
/// <see cref="ApiReason"/>) and <see cref="OutcomeSource"/> is a span's; before, <c>Api</c> there meant the API's verdict.
/// </summary>
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
    Outcome Outcome,
    OutcomeSource OutcomeSource,
    ulong OutcomeSpanEnd,
    bool RootError,
    decimal SpanCostUsd,
    decimal? TaskCostUsd,
    int LlmCalls,
    int ToolCalls,
    long InputTokens,
    long OutputTokens,
    List<ModelShareState>? Models,
    bool UseCaseFinal = false,
    bool CallsCounted = false,
    List<SpanState>? Spans = null,
    List<HeldCallState>? HeldCalls = null,
    BreakdownState? Breakdown = null,
    List<HeldSpanState>? HeldSpans = null,
    Outcome ApiOutcome = Outcome.Unknown,
    string? ApiSource = null,
    string? ApiReason = null,
    List<EvaluationState>? Evaluations = null);
