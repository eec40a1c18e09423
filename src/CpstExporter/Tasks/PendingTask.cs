using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// A task still collecting spans. Kept small (it is the unit of memory when a million tasks await review):
/// the first model's share is held inline, and further models and an explicit task cost go to
/// <see cref="PendingTaskExtras"/> only when a task has them.
/// </summary>
internal sealed class PendingTask
{
    public PendingTask(TraceId traceId, long firstSeenMs) => Reset(traceId, firstSeenMs);

    public TraceId TraceId { get; private set; }
    public long FirstSeenMs { get; private set; }
    public long LastActivityMs;
    public PendingPhase Phase;

    public string? UseCase;
    /// <summary>Where <see cref="UseCase"/> came from, lower is stronger: see <see cref="UseCaseRanks"/>.</summary>
    public int UseCaseRank;
    /// <summary>The root arrived: the use case no longer changes.</summary>
    public bool UseCaseFinal;
    /// <summary>The task's calls are in the metrics: those of later requests count at once, and none can be uncounted.</summary>
    public bool CallsCounted;
    public string? Environment;
    public bool EnvironmentFromRoot;
    public string? Variant;
    public bool VariantFromRoot;

    public Outcome Outcome;
    public OutcomeSource OutcomeSource;
    public ulong OutcomeSpanEnd;
    public bool RootError;

    public decimal SpanCostUsd;
    public int LlmCalls;
    public int ToolCalls;
    public long InputTokens;
    public long OutputTokens;

    /// <summary>The task's span ids, for duplicates and wrapper LLM calls.</summary>
    public SpanTable Spans;
    /// <summary>Calls that count, waiting for the use case to be final (the root arrived in a later request); null once it is.</summary>
    public List<HeldCall>? Held
    {
        get => Extras?.Held;
        set
        {
            if (value is not null || Extras is not null) (Extras ??= new()).Held = value;
        }
    }

    public string? Model;
    public decimal ModelCostUsd;
    public int ModelCalls;
    /// <summary>The first tool called; its calls and cost are the task's less those of <see cref="OtherTools"/>.</summary>
    public string? Tool;
    public decimal ToolCostUsd;
    public long CacheReadTokens;
    public long CacheWriteTokens;
    public long ReasoningTokens;
    /// <summary>The earliest span start and the latest span end seen, Unix nanoseconds; 0 while no span said.</summary>
    public ulong StartUnixNano;
    public ulong EndUnixNano;
    public PendingTaskExtras? Extras;

    // Neighbours in the assembler's list for this task's phase, ordered by deadline.
    public PendingTask? Older;
    public PendingTask? Newer;

    /// <summary>An explicit cost of the whole task (<c>total_cost</c> on the root), replacing the sum of its spans.</summary>
    public decimal? TaskCostUsd
    {
        get => Extras?.TaskCostUsd;
        set
        {
            if (value is not null || Extras is not null) (Extras ??= new()).TaskCostUsd = value;
        }
    }

    /// <summary>Shares of the models after the first, in order of first use; null while the task used one model.</summary>
    public ShareList? OtherModels => Extras?.OtherModels is { Count: > 0 } models ? models : null;

    /// <summary>Shares of the tools after the first, in order of first use; null while the task used one tool.</summary>
    public ShareList? OtherTools => Extras?.OtherTools is { Count: > 0 } tools ? tools : null;

    /// <summary>
    /// Makes the object a new task of <paramref name="traceId"/>, as the constructor does: how <see cref="PendingTaskPool"/>
    /// hands out a finished task's object again. Every field is set here.
    /// </summary>
    public void Reset(TraceId traceId, long firstSeenMs)
    {
        TraceId = traceId;
        FirstSeenMs = LastActivityMs = firstSeenMs;
        Phase = PendingPhase.New;
        UseCase = Environment = Variant = Model = Tool = null;
        UseCaseRank = int.MaxValue;
        UseCaseFinal = CallsCounted = EnvironmentFromRoot = VariantFromRoot = RootError = false;
        Outcome = Outcome.Unknown;
        OutcomeSource = OutcomeSource.None;
        OutcomeSpanEnd = 0;
        SpanCostUsd = ModelCostUsd = ToolCostUsd = 0m;
        LlmCalls = ToolCalls = ModelCalls = 0;
        InputTokens = OutputTokens = CacheReadTokens = CacheWriteTokens = ReasoningTokens = 0;
        StartUnixNano = EndUnixNano = 0;
        Spans = default;
        Extras?.Clear(); // kept, emptied, with the pooled object: a task of several tools then allocates nothing
        Older = Newer = null;
    }

    public bool HasOutcomeSignal => OutcomeSource != OutcomeSource.None || RootError;

    public long DeadlineMs(long settleMs, long windowMs) =>
        HasOutcomeSignal ? LastActivityMs + settleMs : FirstSeenMs + windowMs;

    /// <summary>Adds calls of <paramref name="model"/> to its share. O(1).</summary>
    /// <param name="inputTokens">Of these calls; the first model's tokens are the task's less the other models'.</param>
    public void AddModelCost(string model, decimal cost, int calls = 1, long inputTokens = 0, long outputTokens = 0)
    {
        if (Model is null || ReferenceEquals(Model, model) || Model == model)
        {
            Model = model;
            ModelCostUsd = Saturating.Add(ModelCostUsd, cost);
            ModelCalls = Saturating.Add(ModelCalls, calls);
            return;
        }
        ((Extras ??= new()).OtherModels ??= new()).Add(SpanRole.Llm, model, calls, inputTokens, outputTokens, cost);
    }

    /// <summary>Adds calls of <paramref name="tool"/> to its share (the task's own tool totals are kept by the caller). O(1).</summary>
    public void AddToolShare(string tool, decimal cost, int calls = 1)
    {
        if (Tool is null || ReferenceEquals(Tool, tool) || Tool == tool)
        {
            Tool = tool;
            return;
        }
        ((Extras ??= new()).OtherTools ??= new()).Add(SpanRole.Tool, tool, calls, 0, 0, cost);
    }

    /// <summary>Widens the task's time span to cover a span's.</summary>
    public void Covers(ulong startUnixNano, ulong endUnixNano)
    {
        if (startUnixNano != 0 && (StartUnixNano == 0 || startUnixNano < StartUnixNano)) StartUnixNano = startUnixNano;
        if (endUnixNano > EndUnixNano) EndUnixNano = endUnixNano;
    }

    /// <summary>The task's breakdown for the task API: allocates only for a task with more than one model or tool.</summary>
    public TaskBreakdown Breakdown()
    {
        CallShare firstModel = default, firstTool = default;
        if (Model is not null)
        {
            long input = InputTokens, output = OutputTokens;
            foreach (CallShare other in OtherModels ?? Empty)
            {
                input -= other.InputTokens;
                output -= other.OutputTokens;
            }
            firstModel = new CallShare(SpanRole.Llm, Model, ModelCalls, Math.Max(0, input), Math.Max(0, output), ModelCostUsd);
        }
        if (Tool is not null)
        {
            int calls = ToolCalls;
            decimal cost = ToolCostUsd;
            foreach (CallShare other in OtherTools ?? Empty)
            {
                calls -= other.Calls;
                cost -= other.CostUsd;
            }
            firstTool = new CallShare(SpanRole.Tool, Tool, Math.Max(0, calls), 0, 0, Math.Max(0m, cost));
        }
        CallShare[]? all = null;
        int at = 0;
        if (OtherModels is not null || OtherTools is not null)
        {
            all = CallShare.Pool.Rent(
                (Model is null ? 0 : 1) + (OtherModels?.Count ?? 0) + (Tool is null ? 0 : 1) + (OtherTools?.Count ?? 0));
            at = 0;
            if (Model is not null) all[at++] = firstModel;
            foreach (CallShare other in OtherModels ?? Empty) all[at++] = other;
            if (Tool is not null) all[at++] = firstTool;
            foreach (CallShare other in OtherTools ?? Empty) all[at++] = other;
        }
        return new TaskBreakdown(StartUnixNano, EndUnixNano, OutcomeSource, InferenceCostUsd(), ToolCostUsd,
            CacheReadTokens, CacheWriteTokens, ReasoningTokens, firstModel, firstTool, all, at);
    }

    private static readonly ShareList Empty = new();

    /// <summary>What the models' calls cost, the first's and the others'.</summary>
    public decimal InferenceCostUsd()
    {
        decimal cost = ModelCostUsd;
        foreach (CallShare other in OtherModels ?? Empty) cost = Saturating.Add(cost, other.CostUsd);
        return cost;
    }

    /// <summary>The model with the largest cost share; with equal cost (say, all unpriced), the one called most.</summary>
    public string PrimaryModel()
    {
        if (Model is null) return TaskLabels.None;
        (string model, decimal cost, int calls) best = (Model, ModelCostUsd, ModelCalls);
        if (OtherModels is not null)
            foreach (CallShare other in OtherModels)
                if (other.CostUsd > best.cost || (other.CostUsd == best.cost && other.Calls > best.calls)) best = (other.Name, other.CostUsd, other.Calls);
        return best.model;
    }

    /// <summary>The outcome the task finishes with: a signal, else failure for a root in error, else unknown.</summary>
    public Outcome FinalOutcome() =>
        Outcome != Outcome.Unknown ? Outcome : RootError ? Outcome.Failure : Outcome.Unknown;

    public decimal TotalCostUsd => TaskCostUsd ?? SpanCostUsd;
}

/// <summary>Where a pending task's outcome came from; a stronger source replaces a weaker one.</summary>
internal enum OutcomeSource : byte
{
    None = 0,
    Span = 1,
    Root = 2,
    /// <summary>The outcome API: an explicit verdict such as a human review, so it beats what the agent reported.</summary>
    Api = 3,
}
