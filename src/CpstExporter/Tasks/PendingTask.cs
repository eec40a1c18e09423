using CpstExporter.Conventions;
using CpstExporter.Pricing;
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
    /// <summary>Where <see cref="UseCase"/> came from, lower is stronger: see <see cref="UseCaseRanks"/>; int.MaxValue
    /// while no span named one. The ranks are a handful: kept in three bits of the flags' byte.</summary>
    public int UseCaseRank
    {
        get
        {
            int rank = (int)(_flags & PendingTaskFlags.UseCaseRank) >> RankShift;
            return rank == NoRank ? int.MaxValue : rank;
        }
        set
        {
            int rank = value is >= 0 and < NoRank ? value : NoRank;
            _flags = (_flags & ~PendingTaskFlags.UseCaseRank) | (PendingTaskFlags)(rank << RankShift);
        }
    }
    /// <summary>The root arrived: the use case no longer changes.</summary>
    public bool UseCaseFinal
    {
        get => Has(PendingTaskFlags.UseCaseFinal);
        set => Set(PendingTaskFlags.UseCaseFinal, value);
    }
    /// <summary>The task's calls are in the metrics: those of later requests count at once, and none can be uncounted.</summary>
    public bool CallsCounted
    {
        get => Has(PendingTaskFlags.CallsCounted);
        set => Set(PendingTaskFlags.CallsCounted, value);
    }
    public string? Environment;
    public bool EnvironmentFromRoot
    {
        get => Has(PendingTaskFlags.EnvironmentFromRoot);
        set => Set(PendingTaskFlags.EnvironmentFromRoot, value);
    }
    public string? Variant;
    public bool VariantFromRoot
    {
        get => Has(PendingTaskFlags.VariantFromRoot);
        set => Set(PendingTaskFlags.VariantFromRoot, value);
    }

    public Outcome Outcome;
    public OutcomeSource OutcomeSource;
    public ulong OutcomeSpanEnd;
    public bool RootError
    {
        get => Has(PendingTaskFlags.RootError);
        set => Set(PendingTaskFlags.RootError, value);
    }

    public decimal SpanCostUsd;
    public int LlmCalls;
    public int ToolCalls;
    public long InputTokens;
    public long OutputTokens;

    /// <summary>The task's span ids, for duplicates and wrapper LLM calls.</summary>
    public SpanTable Spans;
    /// <summary>Calls that count, waiting for the use case to be final (the root arrived in a later request); null once it is.</summary>
    public HeldCalls? Held
    {
        get => Extras?.Held;
        set
        {
            if (value is not null || Extras is not null) (Extras ??= new()).Held = value;
        }
    }

    /// <summary>The first model called; its calls are the task's less those of <see cref="OtherModels"/>.</summary>
    public string? Model;
    public decimal ModelCostUsd;
    /// <summary>
    /// The pricing basis (low three bits) and served service tier (next two) of the first model's calls while they are
    /// all priced alike, as they almost always are; once not, <see cref="PendingTaskExtras.ModelPricing"/> counts them.
    /// </summary>
    private byte _modelPricing;
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

    private const int RankShift = 5, NoRank = 7;
    private PendingTaskFlags _flags = PendingTaskFlags.UseCaseRank;

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
        _flags = PendingTaskFlags.UseCaseRank; // no flag set, no rank
        _modelPricing = 0;
        Outcome = Outcome.Unknown;
        OutcomeSource = OutcomeSource.None;
        OutcomeSpanEnd = 0;
        SpanCostUsd = ModelCostUsd = ToolCostUsd = 0m;
        LlmCalls = ToolCalls = 0;
        InputTokens = OutputTokens = CacheReadTokens = CacheWriteTokens = ReasoningTokens = 0;
        StartUnixNano = EndUnixNano = 0;
        Spans = default;
        Extras?.Clear(); // kept, emptied, with the pooled object: a task of several tools then allocates nothing
        Older = Newer = null;
    }

    private bool Has(PendingTaskFlags flag) => (_flags & flag) != 0;

    private void Set(PendingTaskFlags flag, bool value) => _flags = value ? _flags | flag : _flags & ~flag;

    /// <summary>Any outcome signal arrived: what the default policy settles on (<see cref="OutcomePolicy.Default"/>).</summary>
    public bool HasOutcomeSignal => OutcomeSource != OutcomeSource.None || RootError || Api is not null || Evaluations is { Count: > 0 };

    /// <summary>The outcome API's verdict, the latest one posted; null while none came.</summary>
    public ApiVerdict? Api
    {
        get => Extras?.Api;
        set
        {
            if (value is not null || Extras is not null) (Extras ??= new()).Api = value;
        }
    }

    /// <summary>The task's evaluations, one per name; null or empty while none came.</summary>
    public List<EvaluationVerdict>? Evaluations => Extras?.Evaluations;

    /// <summary>
    /// Adds an evaluation; one of a name already kept replaces it (a re-run). False when the task already keeps
    /// <see cref="OutcomePolicy.MaxEvaluationsPerTask"/> others: not kept.
    /// </summary>
    public bool AddEvaluation(in EvaluationVerdict evaluation) => AddEvaluation(((Extras ??= new()).Evaluations ??= []), in evaluation);

    /// <inheritdoc cref="AddEvaluation(in EvaluationVerdict)"/>
    public static bool AddEvaluation(List<EvaluationVerdict> evaluations, in EvaluationVerdict evaluation)
    {
        for (int i = 0; i < evaluations.Count; i++)
        {
            if (!string.Equals(evaluations[i].Name, evaluation.Name, StringComparison.Ordinal)) continue;
            evaluations[i] = evaluation;
            return true;
        }
        if (evaluations.Count >= OutcomePolicy.MaxEvaluationsPerTask) return false;
        evaluations.Add(evaluation);
        return true;
    }

    public long DeadlineMs(long settleMs, long windowMs) =>
        HasOutcomeSignal ? LastActivityMs + settleMs : FirstSeenMs + windowMs;

    /// <summary>
    /// Merges a span's facts into the task: its time, use case, environment, variant, outcome, an explicit cost, and
    /// whether its call counts (<see cref="WrapperRule"/>), <paramref name="index"/> being its entry in <see cref="Spans"/>.
    /// Returns true when the span has a call that counts, or is the root, whose arrival makes the calls held so far
    /// count: the assembler has work for it once the whole request is merged.
    /// </summary>
    public bool Merge(in SpanFacts span, in CallPrice price, int index, long nowMs)
    {
        LastActivityMs = nowMs;
        Covers(span.StartTimeUnixNano, span.EndTimeUnixNano);

        var (useCase, rank) = UseCaseRanks.Of(in span);
        if (!UseCaseFinal && useCase is not null && rank < UseCaseRank)
        {
            UseCase = useCase;
            UseCaseRank = rank;
        }
        if (span.Environment is not null && (Environment is null || (span.IsRoot && !EnvironmentFromRoot)))
        {
            Environment = span.Environment;
            EnvironmentFromRoot = span.IsRoot;
        }
        if (span.Variant is not null && (Variant is null || (span.IsRoot && !VariantFromRoot)))
        {
            Variant = span.Variant;
            VariantFromRoot = span.IsRoot;
        }

        if (span.Outcome != Outcome.Unknown)
        {
            OutcomeSource source = span.IsRoot ? OutcomeSource.Root : OutcomeSource.Span;
            // Among non-root spans the one that ended last is the end of the chain.
            if (source > OutcomeSource || (source == OutcomeSource && span.EndTimeUnixNano >= OutcomeSpanEnd))
            {
                Outcome = span.Outcome;
                OutcomeSource = source;
                OutcomeSpanEnd = span.EndTimeUnixNano;
            }
        }
        if (span.IsRoot && (span.StatusError || span.ErrorType)) RootError = true; // both a failure signal: source `error`
        if (span.TaskCost is decimal taskCost) TaskCostUsd = taskCost;

        if (span.IsRoot) UseCaseFinal = true;

        bool counts = WrapperRule.Counts(ref Spans, index, span.Role, CallsCounted);
        if (span.Role == SpanRole.Other) SpanCostUsd = Saturating.Add(SpanCostUsd, price.CostUsd); // an explicit cost only
        return counts || span.IsRoot;
    }

    /// <summary>Adds a call that counts to the task's totals and to its model's or tool's share.</summary>
    public void AddCall(in CountedCall call) => AddCalls(in call, 1);

    /// <summary>
    /// Adds <paramref name="calls"/> calls alike, <paramref name="sum"/> holding their tokens and cost summed
    /// (<see cref="CountedCall.Times"/>), as adding each would: sums of counts that do not go below zero saturate alike
    /// in one step or many.
    /// </summary>
    public void AddCalls(in CountedCall sum, int calls)
    {
        SpanCostUsd = Saturating.Add(SpanCostUsd, sum.CostUsd);
        if (sum.Role == SpanRole.Llm)
        {
            LlmCalls = Saturating.Add(LlmCalls, calls);
            InputTokens = Saturating.Add(InputTokens, sum.Tokens.Input);
            OutputTokens = Saturating.Add(OutputTokens, sum.Tokens.Output);
            CacheReadTokens = Saturating.Add(CacheReadTokens, sum.Tokens.CacheRead);
            CacheWriteTokens = Saturating.Add(CacheWriteTokens, sum.Tokens.CacheWrite);
            ReasoningTokens = Saturating.Add(ReasoningTokens, sum.Tokens.Reasoning);
            AddModelCost(sum.Model ?? MissingLabels.Unknown, sum.CostUsd, calls, sum.Tokens.Input, sum.Tokens.Output,
                PricingMix.Of(sum.Basis, sum.ServiceTier, calls));
        }
        else
        {
            ToolCalls = Saturating.Add(ToolCalls, calls);
            ToolCostUsd = Saturating.Add(ToolCostUsd, sum.CostUsd);
            AddToolShare(sum.Tool ?? MissingLabels.Unknown, sum.CostUsd, calls);
        }
    }

    /// <summary>The labels the task is counted under when it finishes, or would be if it finished now, under the default policy.</summary>
    public TaskLabels Labels() => Labels(OutcomePolicy.Default.Decide(this));

    /// <summary>The labels the task is counted under with the outcome <paramref name="decision"/> gives.</summary>
    public TaskLabels Labels(OutcomeDecision decision) => new(
        UseCase ?? MissingLabels.Unknown,
        decision.Decided ? decision.Outcome : Outcome.Unknown,
        PrimaryModel(),
        Environment ?? MissingLabels.None,
        Variant ?? MissingLabels.None);

    /// <summary>Adds calls of <paramref name="model"/> to its share, with how they were priced. O(1).</summary>
    /// <param name="calls">Of a model after the first: the first model's calls and tokens are the task's less the other
    /// models'.</param>
    public void AddModelCost(string model, decimal cost, int calls = 1, long inputTokens = 0, long outputTokens = 0, in PricingMix pricing = default)
    {
        if (Model is null || ReferenceEquals(Model, model) || Model == model)
        {
            bool first = Model is null;
            Model = model;
            ModelCostUsd = Saturating.Add(ModelCostUsd, cost);
            AddModelPricing(first, calls, in pricing);
            return;
        }
        ((Extras ??= new()).OtherModels ??= new()).Add(SpanRole.Llm, model, calls, inputTokens, outputTokens, cost, in pricing);
    }

    /// <summary>Counts how the first model's new calls were priced: in one byte while all are alike.</summary>
    private void AddModelPricing(bool first, int calls, in PricingMix pricing)
    {
        if (pricing.IsEmpty) return;
        if (Extras is { ModelPricingMixed: true } mixed)
        {
            mixed.ModelPricing.Add(in pricing);
            return;
        }
        if (Uniform(in pricing, calls) is byte alike && (first || alike == _modelPricing))
        {
            _modelPricing = alike;
            return;
        }
        // Not all alike any more: count the earlier calls, all priced as the byte says, then these.
        var extras = Extras ??= new();
        extras.ModelPricing = first ? default : PricingMix.Of((PricingBasis)(_modelPricing & 7), (ServiceTier)(_modelPricing >> 3), Math.Max(0, ModelCalls() - calls));
        extras.ModelPricing.Add(in pricing);
        extras.ModelPricingMixed = true;
    }

    /// <summary>The byte of <paramref name="calls"/> calls all priced alike, or null when they were not.</summary>
    private static byte? Uniform(in PricingMix pricing, int calls)
    {
        for (int b = 0; b < PricingBasisLabels.Count; b++)
        {
            if (pricing.Calls((PricingBasis)b) != calls) continue;
            for (int t = 0; t < ServiceTierLabels.Count; t++)
                if (pricing.Calls((ServiceTier)t) == calls) return (byte)(b | (t << 3));
        }
        return null;
    }

    /// <summary>How the first model's calls were priced.</summary>
    public PricingMix ModelPricing() => Extras is { ModelPricingMixed: true } mixed
        ? mixed.ModelPricing
        : Model is null ? default : PricingMix.Of((PricingBasis)(_modelPricing & 7), (ServiceTier)(_modelPricing >> 3), ModelCalls());

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
    public TaskBreakdown Breakdown() => Breakdown(OutcomeSource);

    /// <summary>The task's breakdown, its outcome decided by <paramref name="decidedBy"/>.</summary>
    public TaskBreakdown Breakdown(OutcomeSource decidedBy)
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
            firstModel = new CallShare(SpanRole.Llm, Model, ModelCalls(), Math.Max(0, input), Math.Max(0, output), ModelCostUsd, ModelPricing());
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
        return new TaskBreakdown(StartUnixNano, EndUnixNano, decidedBy, InferenceCostUsd(), ToolCostUsd,
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

    /// <summary>The first model's calls: the task's less the other models'. Not kept: a pending task is the unit of memory.</summary>
    public int ModelCalls()
    {
        int calls = LlmCalls;
        foreach (CallShare other in OtherModels ?? Empty) calls -= other.Calls;
        return Math.Max(0, calls);
    }

    /// <summary>The model with the largest cost share; with equal cost (say, all unpriced), the one called most.</summary>
    public string PrimaryModel()
    {
        if (Model is null) return MissingLabels.None;
        (string model, decimal cost, int calls) best = (Model, ModelCostUsd, ModelCalls());
        if (OtherModels is not null)
            foreach (CallShare other in OtherModels)
                if (other.CostUsd > best.cost || (other.CostUsd == best.cost && other.Calls > best.calls)) best = (other.Name, other.CostUsd, other.Calls);
        return best.model;
    }

    /// <summary>The outcome the task finishes with under the default policy: a verdict, else a span's, else failure for a root in error, else unknown.</summary>
    public Outcome FinalOutcome() => Labels().Outcome;

    public decimal TotalCostUsd => TaskCostUsd ?? SpanCostUsd;
}
