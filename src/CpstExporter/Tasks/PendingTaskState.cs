using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// A pending task as written to <c>Cpst:Tasks:StateFile</c>. Money as decimal, times as wall-clock Unix milliseconds
/// (the assembler keeps them on the monotonic clock and translates on save and load: <see cref="WallToMonotonic"/>).
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
    BreakdownState? Breakdown = null);

/// <summary>A model's share of a task; tokens of the models after the first (the first's are the task's less theirs).</summary>
internal sealed record ModelShareState(string Model, decimal CostUsd, int Calls, long InputTokens = 0, long OutputTokens = 0);

/// <summary>What the task API shows of a task beyond its totals, kept across a restart; absent in files before it.</summary>
internal sealed record BreakdownState(
    ulong StartUnixNano, ulong EndUnixNano, long CacheReadTokens, long CacheWriteTokens, long ReasoningTokens,
    decimal ToolCostUsd, string? Tool, List<ToolShareState>? OtherTools);

/// <summary>A tool's share of a task, for the tools after the first.</summary>
internal sealed record ToolShareState(string Tool, decimal CostUsd, int Calls);

/// <summary>A span id the task has seen (or a parent it has not), so a span resent after a restart is still a duplicate.</summary>
internal sealed record SpanState(ulong Id, ulong Parent, byte Marks);

/// <summary>A call held until the task's use case is final.</summary>
internal sealed record HeldCallState(
    ulong SpanId, SpanRole Role, string? Provider, string? Model, string? Tool,
    long InputTokens, long OutputTokens, long CacheReadTokens, long CacheWriteTokens, long ReasoningTokens,
    decimal CostUsd, bool Unpriced);

/// <summary>The whole state file: pending tasks and outcomes held for traces not seen yet.</summary>
/// <remarks>
/// The file is written a chunk of tasks at a time while the service runs (<see cref="TaskAssembler.WriteState"/>): a task
/// that changed after its chunk was written may come again later in the list, and the last entry of a trace is the one
/// that counts.
/// </remarks>
/// <param name="SavedAtMs">When the file was begun, wall-clock Unix milliseconds: a restart counts the time since as
/// time down (<see cref="WallToMonotonic"/>). Since version 3.</param>
/// <param name="JournalSegment">The first segment of the journal of finished tasks that belongs to this file
/// (<see cref="FinishedTaskJournal"/>). Since version 3.</param>
internal sealed record TaskStateSnapshot(int Version, List<PendingTaskState> Tasks, List<HeldOutcomeState> HeldOutcomes,
    long? SavedAtMs = null, long? JournalSegment = null)
{
    /// <summary>
    /// 2 added span ids and held calls; 3 the time of the save, the journal of finished tasks, and repeated entries.
    /// Files of versions 1 and 2 still load (version 1's calls were counted on arrival; their times are read as of now).
    /// </summary>
    public const int CurrentVersion = 3;
    public const int OldestReadableVersion = 1;
}

internal sealed record HeldOutcomeState(string TraceId, Outcome Outcome, long ExpiresMs);
