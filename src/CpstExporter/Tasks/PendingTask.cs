using CpstExporter.Conventions;
using CpstExporter.Receiving;

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

    /// <summary>Cost shares of the models after the first, in order of first use; null while the task used one model.</summary>
    public List<(string Model, decimal CostUsd, int Calls)>? OtherModels => Extras?.OtherModels;

    /// <summary>
    /// Makes the object a new task of <paramref name="traceId"/>, as the constructor does: how <see cref="PendingTaskPool"/>
    /// hands out a finished task's object again. Every field is set here.
    /// </summary>
    public void Reset(TraceId traceId, long firstSeenMs)
    {
        TraceId = traceId;
        FirstSeenMs = LastActivityMs = firstSeenMs;
        Phase = PendingPhase.New;
        UseCase = Environment = Variant = Model = null;
        UseCaseRank = int.MaxValue;
        UseCaseFinal = CallsCounted = EnvironmentFromRoot = VariantFromRoot = RootError = false;
        Outcome = Outcome.Unknown;
        OutcomeSource = OutcomeSource.None;
        OutcomeSpanEnd = 0;
        SpanCostUsd = ModelCostUsd = 0m;
        LlmCalls = ToolCalls = ModelCalls = 0;
        InputTokens = OutputTokens = 0;
        Spans = default;
        Extras = null;
        Older = Newer = null;
    }

    public bool HasOutcomeSignal => OutcomeSource != OutcomeSource.None || RootError;

    public long DeadlineMs(long settleMs, long windowMs) =>
        HasOutcomeSignal ? LastActivityMs + settleMs : FirstSeenMs + windowMs;

    public void AddModelCost(string model, decimal cost)
    {
        if (Model is null || ReferenceEquals(Model, model) || Model == model)
        {
            Model = model;
            ModelCostUsd = Saturating.Add(ModelCostUsd, cost);
            ModelCalls++;
            return;
        }
        List<(string Model, decimal CostUsd, int Calls)> others = (Extras ??= new()).OtherModels ??= [];
        for (int i = 0; i < others.Count; i++)
        {
            if (others[i].Model != model) continue;
            var (name, total, calls) = others[i];
            others[i] = (name, Saturating.Add(total, cost), calls + 1);
            return;
        }
        others.Add((model, cost, 1));
    }

    /// <summary>The model with the largest cost share; with equal cost (say, all unpriced), the one called most.</summary>
    public string PrimaryModel()
    {
        if (Model is null) return TaskLabels.None;
        (string model, decimal cost, int calls) best = (Model, ModelCostUsd, ModelCalls);
        if (OtherModels is not null)
            foreach (var other in OtherModels)
                if (other.CostUsd > best.cost || (other.CostUsd == best.cost && other.Calls > best.calls)) best = other;
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
