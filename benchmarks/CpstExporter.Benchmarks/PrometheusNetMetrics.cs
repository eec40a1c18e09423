using CpstExporter.Aggregation;
using CpstExporter.Conventions;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using Prom = Prometheus;

namespace CpstExporter.Benchmarks;

/// <summary>
/// The contract's families (DESIGN.md §6) in a prometheus-net registry, updated as <see cref="CpstMetrics"/> is: for
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

        string[] task = CpstMetrics.TaskLabelNames;
        _tasks = _factory.CreateCounter("cpst_tasks_total", "Tasks finished, by outcome and primary model.", task);
        _taskCost = _factory.CreateCounter("cpst_task_cost_usd_total", "Inference and tool spend of finished tasks, USD.", task);
        _taskLlmCalls = _factory.CreateCounter("cpst_task_llm_calls_total", "LLM calls made by finished tasks.", task);
        _taskToolCalls = _factory.CreateCounter("cpst_task_tool_calls_total", "Tool calls made by finished tasks.", task);
        _taskTokens = _factory.CreateCounter("cpst_task_tokens_total", "Tokens used by finished tasks, by token type.", [.. task, "token_type"]);
        _costPerTask = _factory.CreateHistogram("cpst_cost_per_task_usd", "Cost of finished tasks, USD.", ["use_case", "outcome"],
            new Prom.HistogramConfiguration { Buckets = Array.ConvertAll(CostHistogramSeries.Bounds, b => (double)b) });

        string[] llm = ["use_case", "provider", "model"];
        _llmCalls = _factory.CreateCounter("cpst_llm_calls_total", "LLM calls, as their spans arrive.", llm);
        _llmTokens = _factory.CreateCounter("cpst_llm_tokens_total", "LLM tokens by type; cache and reasoning tokens are subsets of input and output.", [.. llm, "token_type"]);
        _llmCost = _factory.CreateCounter("cpst_llm_cost_usd_total", "LLM spend priced from the price table or explicit span costs, USD.", llm);
        _toolCalls = _factory.CreateCounter("cpst_tool_calls_total", "Tool calls, as their spans arrive.", "use_case", "tool");
        _toolCost = _factory.CreateCounter("cpst_tool_cost_usd_total", "Tool spend, USD.", "use_case", "tool");
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
        _factory.CreateGauge("cpst_pending_tasks", "Tasks waiting for more spans or an outcome.").Set(_source.PendingTasks());
        Labelled("cpst_received_spans_total", "Spans accepted, by protocol.", "protocol", receiving.ReceivedSpans.Values());
        Labelled("cpst_rejected_spans_total", "Spans refused in otherwise valid requests, by reason.", "reason", receiving.RejectedSpans.Values());
        Labelled("cpst_rejected_requests_total", "Export and outcome requests refused whole, by reason.", "reason", receiving.RejectedRequests.Values());
        _factory.CreateCounter("cpst_late_spans_total", "Spans that arrived after their task finished; their cost was added under the task's labels.").Inc(_source.LateSpans);
        _factory.CreateCounter("cpst_late_outcomes_total", "Outcomes that arrived after their task finished; they changed nothing.").Inc(_source.LateOutcomes);
        _factory.CreateCounter("cpst_evicted_tasks_total", "Tasks finished early because the pending-task limit was reached.").Inc(_source.EvictedTasks);
        _factory.CreateCounter("cpst_dropped_outcomes_total", "Outcomes for traces never seen within the outcome window.").Inc(_source.DroppedOutcomes);
        _factory.CreateCounter("cpst_duplicate_spans_total", "Spans received again (a retried batch, another protocol) and not counted again.").Inc(_source.DuplicateSpans);
        _factory.CreateCounter("cpst_state_save_failures_total", "Writes of the state file or of its journal of finished tasks that failed; /readyz answers 503 until a checkpoint succeeds.").Inc(_source.StateSaveFailures);
        Labelled("cpst_series_overflow_total", "Updates folded into an __overflow__ series by the series limit of the metric or of its use case.", "metric", _source.Overflows.Values());
        _factory.CreateGauge("cpst_build_info", "Version of the running exporter.", "version").WithLabels(version).Set(1);
        _factory.CreateGauge("cpst_pricing_info", "Version (content hash) of the live price table.", "version").WithLabels(pricingVersion).Set(1);
        var reloads = _factory.CreateCounter("cpst_config_reload_failures_total", "Reloads refused because the file or a value was wrong; the last good configuration stays in force.", "config");
        reloads.WithLabels("pricing").Inc(0);
        reloads.WithLabels("use_cases").Inc(_source.UseCaseReloadFailures);
        _factory.CreateCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.").IncTo(Environment.CpuUsage.TotalTime.TotalSeconds);
        _factory.CreateGauge("process_resident_memory_bytes", "Resident memory size in bytes.").Set(Environment.WorkingSet);
        _factory.CreateGauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.")
            .Set(new DateTimeOffset(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
    }

    private void Labelled(string name, string help, string label, IEnumerable<(string Label, long Count)> values)
    {
        var counter = _factory.CreateCounter(name, help, label);
        foreach (var (value, count) in values) counter.WithLabels(value).Inc(count);
    }
}
