using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;

namespace CpstExporter.Aggregation;

/// <summary>
/// Every series the service exposes (docs/reference.md, "Metrics"), under the names of <see cref="MetricCatalogue"/>. Per-call metrics
/// are updated as spans arrive, task metrics as tasks finish; each update takes only its own series' lock.
/// </summary>
internal sealed class CpstMetrics
{
    public static readonly string[] TaskLabelNames = MetricCatalogue.TaskLabels;

    private const string Overflow = SeriesFamily<TaskLabels, TaskSeries>.OverflowValue;

    private long _lateSpans, _lateOutcomes, _droppedOutcomes, _evictedTasks, _duplicateSpans, _useCaseReloadFailures, _earlyCountedCalls;
    private IReadOnlyDictionary<string, UseCaseOptions> _useCases;

    public CpstMetrics(int maxSeriesPerMetric, IReadOnlyDictionary<string, UseCaseOptions> useCases, TimeProvider time)
    {
        // The metrics whose series each family holds; every one has a series limit, so cpst_series_overflow_total counts each.
        MetricDescriptor[] tasks = Metrics(MetricId.Tasks, MetricId.TaskCost, MetricId.TaskLlmCalls, MetricId.TaskToolCalls, MetricId.TaskTokens);
        MetricDescriptor[] costHistogram = Metrics(MetricId.CostPerTask);
        MetricDescriptor[] llmCalls = Metrics(MetricId.LlmCalls, MetricId.LlmTokens, MetricId.LlmCost);
        MetricDescriptor[] unpricedCalls = Metrics(MetricId.UnpricedLlmCalls);
        MetricDescriptor[] byBasis = Metrics(MetricId.LlmCostByBasis, MetricId.LlmCallsByBasis);
        MetricDescriptor[] unpricedTiers = Metrics(MetricId.UnpricedServiceTierCalls);
        MetricDescriptor[] toolCalls = Metrics(MetricId.ToolCalls, MetricId.ToolCost);
        MetricDescriptor[] evaluations = Metrics(MetricId.Evaluations);
        MetricDescriptor[] bySource = Metrics(MetricId.OutcomesBySource);
        Overflows = new OverflowCounter([.. tasks, .. costHistogram, .. llmCalls, .. unpricedCalls, .. byBasis, .. unpricedTiers, .. toolCalls,
            .. evaluations, .. bySource]);

        // Past the metric's limit everything but outcome and token_type folds; past a use case's share, everything but
        // use_case, outcome and token_type. The histogram's labels are use_case and outcome only: no share to keep.
        Tasks = new(tasks, maxSeriesPerMetric,
            static k => new TaskSeries([k.UseCase, k.Outcome.LabelValue(), k.Model, k.Environment, k.Variant]),
            static k => new TaskLabels(Overflow, k.Outcome, Overflow, Overflow, Overflow),
            static k => k.UseCase, static k => new TaskLabels(k.UseCase, k.Outcome, Overflow, Overflow, Overflow), Overflows);
        CostHistogram = new(costHistogram, maxSeriesPerMetric,
            static k => new CostHistogramSeries([k.UseCase, k.Outcome.LabelValue()]),
            static k => k with { UseCase = Overflow }, null, null, Overflows);
        LlmCalls = new(llmCalls, maxSeriesPerMetric,
            static k => new LlmCallSeries([k.UseCase, k.Provider, k.Model]),
            static _ => new LlmCallKey(Overflow, Overflow, Overflow),
            static k => k.UseCase, static k => new LlmCallKey(k.UseCase, Overflow, Overflow), Overflows);
        UnpricedCalls = new(unpricedCalls, maxSeriesPerMetric,
            static k => new CountSeries([k.UseCase, k.Model]),
            static _ => new UnpricedKey(Overflow, Overflow),
            static k => k.UseCase, static k => new UnpricedKey(k.UseCase, Overflow), Overflows);
        ByBasis = new(byBasis, maxSeriesPerMetric,
            static k => new CallCostSeries([k.UseCase, k.Basis, k.ServiceTier]),
            static _ => new BasisKey(Overflow, Overflow, Overflow),
            static k => k.UseCase, static k => new BasisKey(k.UseCase, Overflow, Overflow), Overflows);
        UnpricedServiceTiers = new(unpricedTiers, maxSeriesPerMetric,
            static k => new CountSeries([k.Model, k.ServiceTier]),
            static _ => new ServiceTierKey(Overflow, Overflow), null, null, Overflows);
        ToolCalls = new(toolCalls, maxSeriesPerMetric,
            static k => new CallCostSeries([k.UseCase, k.Tool]),
            static _ => new ToolCallKey(Overflow, Overflow),
            static k => k.UseCase, static k => new ToolCallKey(k.UseCase, Overflow), Overflows);
        // An evaluation's name comes from the events: past the limits it folds, its result kept.
        Evaluations = new(evaluations, maxSeriesPerMetric,
            static k => new CountSeries([k.UseCase, k.Evaluation, k.Result]),
            static k => new EvaluationKey(Overflow, Overflow, k.Result),
            static k => k.UseCase, static k => k with { Evaluation = Overflow }, Overflows);
        // Source and outcome are a handful of values: only the use case folds.
        OutcomesBySource = new(bySource, maxSeriesPerMetric,
            static k => new CountSeries([k.UseCase, k.Source, k.Outcome]),
            static k => k with { UseCase = Overflow }, null, null, Overflows);

        _useCases = useCases;
        Supporting = new SupportingCostAccrual(time, useCases, maxSeriesPerMetric);
    }

    private static MetricDescriptor[] Metrics(params MetricId[] ids) => Array.ConvertAll(ids, MetricCatalogue.Get);

    public SeriesFamily<TaskLabels, TaskSeries> Tasks { get; }
    public SeriesFamily<HistogramKey, CostHistogramSeries> CostHistogram { get; }
    public SeriesFamily<LlmCallKey, LlmCallSeries> LlmCalls { get; }
    public SeriesFamily<UnpricedKey, CountSeries> UnpricedCalls { get; }
    public SeriesFamily<BasisKey, CallCostSeries> ByBasis { get; }
    public SeriesFamily<ServiceTierKey, CountSeries> UnpricedServiceTiers { get; }
    public SeriesFamily<ToolCallKey, CallCostSeries> ToolCalls { get; }
    public SeriesFamily<EvaluationKey, CountSeries> Evaluations { get; }
    public SeriesFamily<OutcomeSourceKey, CountSeries> OutcomesBySource { get; }
    public OverflowCounter Overflows { get; }

    /// <summary>The FinOps settings in force; replaced whole by <see cref="ApplyUseCases"/>.</summary>
    public IReadOnlyDictionary<string, UseCaseOptions> UseCases => Volatile.Read(ref _useCases);
    public SupportingCostAccrual Supporting { get; }

    /// <summary>Reloads of <c>Cpst:UseCases</c> refused because a value was wrong (the last good settings stay).</summary>
    public long UseCaseReloadFailures => Interlocked.Read(ref _useCaseReloadFailures);

    public long LateSpans => Interlocked.Read(ref _lateSpans);
    public long LateOutcomes => Interlocked.Read(ref _lateOutcomes);
    public long DroppedOutcomes => Interlocked.Read(ref _droppedOutcomes);
    public long EvictedTasks => Interlocked.Read(ref _evictedTasks);
    public long DuplicateSpans => Interlocked.Read(ref _duplicateSpans);

    /// <summary>
    /// The per-call families: <paramref name="calls"/> calls alike, counted once their task's use case is final, under it
    /// (docs/conventions.md), <paramref name="sum"/> holding their sums (one call, or a pending task's held calls).
    /// </summary>
    public void CallsCounted(string useCase, in CountedCall sum, int calls)
    {
        if (sum.Role == SpanRole.Llm)
        {
            string model = sum.Model ?? MissingLabels.Unknown;
            RecordLlmCall(useCase, sum.Provider ?? MissingLabels.Unknown, model, sum.Tokens, sum.CostUsd, calls);
            ByBasis.Get(new BasisKey(useCase, sum.Basis.LabelValue(), sum.ServiceTier.LabelValue())).Record(sum.CostUsd, calls);
            if (sum.Unpriced) RecordUnpricedCall(useCase, model, calls);
            if (sum.ServiceTierUnpriced) UnpricedServiceTiers.Get(new ServiceTierKey(model, sum.ServiceTier.LabelValue())).Increment(calls);
        }
        else if (sum.Role == SpanRole.Tool)
        {
            RecordToolCall(useCase, sum.Tool ?? MissingLabels.Unknown, sum.CostUsd, calls);
        }
    }

    public void CallsCountedEarly(int calls) => Saturating.AddInterlocked(ref _earlyCountedCalls, calls);

    /// <summary>Calls counted before their task's use case was final, its held calls being at their bound.</summary>
    public long EarlyCountedCalls => Interlocked.Read(ref _earlyCountedCalls);

    public void RecordLlmCall(string useCase, string provider, string model, in TokenUsage tokens, decimal costUsd, int calls = 1) =>
        LlmCalls.Get(new LlmCallKey(useCase, provider, model)).Record(in tokens, costUsd, calls);

    public void RecordUnpricedCall(string useCase, string model, int calls = 1) =>
        UnpricedCalls.Get(new UnpricedKey(useCase, model)).Increment(calls);

    public void RecordToolCall(string useCase, string tool, decimal costUsd, int calls = 1) =>
        ToolCalls.Get(new ToolCallKey(useCase, tool)).Record(costUsd, calls);

    public void SpansDuplicated(int spans) => Saturating.AddInterlocked(ref _duplicateSpans, spans);

    public void TaskFinished(in TaskRecord task)
    {
        if (task.Reason == FinishReason.Evicted) Saturating.AddInterlocked(ref _evictedTasks, 1);
        var exemplar = new Exemplar(task.TraceId, task.CostUsd, task.FinishedAt.ToUnixTimeMilliseconds());
        Tasks.Get(task.Labels).Add(
            new TaskValues(1, task.CostUsd, task.LlmCalls, task.ToolCalls, task.InputTokens, task.OutputTokens, default),
            in exemplar);
        CostHistogram.Get(new HistogramKey(task.Labels.UseCase, task.Labels.Outcome)).Observe(task.CostUsd, in exemplar);
        OutcomesBySource.Get(new OutcomeSourceKey(task.Labels.UseCase, task.DecidedBy.LabelValue(), task.Labels.Outcome.LabelValue())).Increment();
        foreach (EvaluationOutcome evaluation in task.Evaluations ?? [])
            Evaluations.Get(new EvaluationKey(task.Labels.UseCase, evaluation.Name, evaluation.Passed ? Pass : Fail)).Increment();
    }

    private const string Pass = "pass", Fail = "fail";

    public void OutcomesLate(int outcomes) => Saturating.AddInterlocked(ref _lateOutcomes, outcomes);

    public void LateSpan(in TaskLabels labels, in LateContribution late)
    {
        Saturating.AddInterlocked(ref _lateSpans, 1);
        Tasks.Get(labels).Add(
            new TaskValues(0, late.CostUsd, late.LlmCalls, late.ToolCalls, late.InputTokens, late.OutputTokens, default),
            default);
    }

    public void OutcomeLate() => Saturating.AddInterlocked(ref _lateOutcomes, 1);

    public void OutcomesDropped(int outcomes) => Saturating.AddInterlocked(ref _droppedOutcomes, outcomes);

    /// <summary>Puts new FinOps settings in force: targets and budgets at once, supporting costs from now on.</summary>
    public void ApplyUseCases(IReadOnlyDictionary<string, UseCaseOptions> useCases)
    {
        Supporting.Configure(useCases);
        Volatile.Write(ref _useCases, useCases);
    }

    public void UseCaseReloadFailed() => Saturating.AddInterlocked(ref _useCaseReloadFailures, 1);
}
