using CpstExporter.Aggregation;
using CpstExporter.Conventions;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using Prom = Prometheus;

namespace CpstExporter.Benchmarks;

/// <summary>
/// The families README.md lists under "Metrics" in a prometheus-net registry, updated as <see cref="CpstMetrics"/> is: for
/// <see cref="ExpositionLibraryBenchmarks"/> only. Money goes in as double, which is what prometheus-net stores. No
/// series limit: the label sets the benchmark makes are all below the exporter's, so neither side folds.
/// </summary>
internal sealed class PrometheusNetMetrics
{
    private static readonly string[] TokenTypesTask = ["input", "output"];
    private static readonly string[] TokenTypesLlm = ["input", "output", "cache_read", "cache_write", "reasoning"];
    private static readonly Prom.Exemplar.LabelKey TraceIdKey = Prom.Exemplar.Key("trace_id");

    private readonly CpstMetrics _source;
    private readonly Prom.MetricFactory _factory;
    private readonly Prom.Counter _tasks, _taskCost, _taskLlmCalls, _taskToolCalls, _taskTokens;
    private readonly Prom.Histogram _costPerTask;
    private readonly Prom.Counter _llmCalls, _llmTokens, _llmCost, _toolCalls, _toolCost;

    public PrometheusNetMetrics(CpstMetrics source)
    {
        _source = source;
        _factory = Prom.Metrics.WithCustomRegistry(Registry);
        // The default provider attaches Activity.Current's trace: here, exemplars come only where the contract has them.
        _factory.ExemplarBehavior = Prom.ExemplarBehavior.NoExemplars();

        _tasks = Counter(MetricId.Tasks);
        _taskCost = Counter(MetricId.TaskCost);
        _taskLlmCalls = Counter(MetricId.TaskLlmCalls);
        _taskToolCalls = Counter(MetricId.TaskToolCalls);
        _taskTokens = Counter(MetricId.TaskTokens);
        MetricDescriptor costPerTask = MetricCatalogue.Get(MetricId.CostPerTask);
        _costPerTask = _factory.CreateHistogram(costPerTask.Name, costPerTask.Help, costPerTask.LabelNames,
            new Prom.HistogramConfiguration { Buckets = Array.ConvertAll(CostHistogramSeries.Bounds, b => (double)b) });

        _llmCalls = Counter(MetricId.LlmCalls);
        _llmTokens = Counter(MetricId.LlmTokens);
        _llmCost = Counter(MetricId.LlmCost);
        _toolCalls = Counter(MetricId.ToolCalls);
        _toolCost = Counter(MetricId.ToolCost);
    }

    /// <summary>A counter of the catalogue's family, with its name, help and labels.</summary>
    private Prom.Counter Counter(MetricId id)
    {
        MetricDescriptor metric = MetricCatalogue.Get(id);
        return _factory.CreateCounter(metric.Name, metric.Help, metric.LabelNames);
    }

    private Prom.Gauge Gauge(MetricId id)
    {
        MetricDescriptor metric = MetricCatalogue.Get(id);
        return _factory.CreateGauge(metric.Name, metric.Help, metric.LabelNames);
    }

    public Prom.CollectorRegistry Registry { get; } = Prom.Metrics.NewCustomRegistry();

    public void TaskFinished(in TaskRecord task)
    {
        TaskLabels l = task.Labels;
        string[] labels = [l.UseCase, l.Outcome.LabelValue(), l.Model, l.Environment, l.Variant];
        double cost = (double)task.CostUsd;
        string traceId = task.TraceId.ToString();
        _tasks.WithLabels(labels).Inc();
        // An exemplar is used once: one for the counter, one for the histogram.
        _taskCost.WithLabels(labels).Inc(cost, Prom.Exemplar.From(TraceIdKey.WithValue(traceId)));
        _taskLlmCalls.WithLabels(labels).Inc(task.LlmCalls);
        _taskToolCalls.WithLabels(labels).Inc(task.ToolCalls);
        _taskTokens.WithLabels([.. labels, TokenTypesTask[0]]).Inc(task.InputTokens);
        _taskTokens.WithLabels([.. labels, TokenTypesTask[1]]).Inc(task.OutputTokens);
        _costPerTask.WithLabels(l.UseCase, l.Outcome.LabelValue()).Observe(cost, Prom.Exemplar.From(TraceIdKey.WithValue(traceId)));
    }

    public void RecordLlmCall(string useCase, string provider, string model, in TokenUsage tokens, decimal costUsd)
    {
        _llmCalls.WithLabels(useCase, provider, model).Inc();
        long[] byType = [tokens.Input, tokens.Output, tokens.CacheRead, tokens.CacheWrite, tokens.Reasoning];
        for (int i = 0; i < TokenTypesLlm.Length; i++) _llmTokens.WithLabels(useCase, provider, model, TokenTypesLlm[i]).Inc(byType[i]);
        _llmCost.WithLabels(useCase, provider, model).Inc((double)costUsd);
    }

    public void RecordToolCall(string useCase, string tool, decimal costUsd)
    {
        _toolCalls.WithLabels(useCase, tool).Inc();
        _toolCost.WithLabels(useCase, tool).Inc((double)costUsd);
    }

    /// <summary>
    /// The exporter's own metrics and the process metrics, with the label values and values the exporter shows, so the
    /// two expositions hold the same samples. The process figures are read once here: prometheus-net's are as cheap to
    /// write as any gauge, while the writer reads them live.
    /// </summary>
    public void MirrorSelfMetrics(string version, string pricingVersion, ReceiverCounters receiving)
    {
        Gauge(MetricId.PendingTasks).Set(0); // the measured writer is given no task stage: nothing pending, no state file
        Labelled(MetricId.ReceivedSpans, receiving.ReceivedSpans.Values());
        Labelled(MetricId.RejectedSpans, receiving.RejectedSpans.Values());
        Labelled(MetricId.RejectedRequests, receiving.RejectedRequests.Values());
        Counter(MetricId.LateSpans).Inc(_source.LateSpans);
        Counter(MetricId.LateOutcomes).Inc(_source.LateOutcomes);
        Counter(MetricId.EvictedTasks).Inc(_source.EvictedTasks);
        Counter(MetricId.DroppedOutcomes).Inc(_source.DroppedOutcomes);
        Counter(MetricId.DuplicateSpans).Inc(_source.DuplicateSpans);
        Counter(MetricId.StateSaveFailures);
        Labelled(MetricId.SeriesOverflow, _source.Overflows.Values());
        Gauge(MetricId.BuildInfo).WithLabels(version).Set(1);
        Gauge(MetricId.PricingInfo).WithLabels(pricingVersion).Set(1);
        var reloads = Counter(MetricId.ConfigReloadFailures);
        reloads.WithLabels("pricing").Inc(0);
        reloads.WithLabels("use_cases").Inc(_source.UseCaseReloadFailures);
        Counter(MetricId.ProcessCpuSeconds).IncTo(Environment.CpuUsage.TotalTime.TotalSeconds);
        Gauge(MetricId.ProcessResidentMemory).Set(Environment.WorkingSet);
        Gauge(MetricId.ProcessStartTime)
            .Set(new DateTimeOffset(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
    }

    private void Labelled(MetricId id, IEnumerable<(string Label, long Count)> values)
    {
        var counter = Counter(id);
        foreach (var (value, count) in values) counter.WithLabels(value).Inc(count);
    }
}
