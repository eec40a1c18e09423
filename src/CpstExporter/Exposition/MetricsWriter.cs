using System.Buffers;
using System.Text;
using CpstExporter.Aggregation;
using CpstExporter.Primitives;
using CpstExporter.Receiving;

namespace CpstExporter.Exposition;

/// <summary>
/// Writes every series of <see cref="CpstMetrics"/>, and the receivers' <see cref="ReceiverCounters"/>, in Prometheus
/// text 0.0.4 or OpenMetrics 1.0.0. Each series is copied under its own lock and formatted outside it; label sets are
/// encoded once per series; numbers are formatted in place, so a scrape allocates only the scratch arrays it rents (and
/// what the runtime's observable instruments allocate when <see cref="RuntimeMetrics"/> reads them).
/// </summary>
internal sealed class MetricsWriter(CpstMetrics metrics, ReceiverCounters receiving, ProcessMetrics process, Func<string> pricingVersion, string version,
    Func<long>? pricingReloadFailures = null, RuntimeMetrics? runtime = null)
{
    private static readonly byte[][] TokenTypesTask = [Encoding.UTF8.GetBytes("token_type=\"input\""), Encoding.UTF8.GetBytes("token_type=\"output\"")];
    private static readonly byte[][] TokenTypesLlm =
        new[] { "input", "output", "cache_read", "cache_write", "reasoning" }.Select(t => Encoding.UTF8.GetBytes($"token_type=\"{t}\"")).ToArray();
    private static readonly byte[][] BucketBounds =
        CostHistogramSeries.Bounds.Select(b => Encoding.UTF8.GetBytes($"le=\"{b.ToString(System.Globalization.CultureInfo.InvariantCulture)}\""))
            .Append(Encoding.UTF8.GetBytes("le=\"+Inf\"")).ToArray();

    public void Write(ExpositionBuffer o, ExpositionFormat format)
    {
        bool om = format == ExpositionFormat.OpenMetrics;
        WriteTaskMetrics(o, om);
        WriteCostHistogram(o, om);
        WriteCallMetrics(o, om);
        WriteFinOps(o, om);
        WriteSelf(o, om);
        process.Write(o, om);
        runtime?.Write(o, om);
        if (om) o.Write("# EOF\n"u8);
    }

    private void WriteTaskMetrics(ExpositionBuffer o, bool om)
    {
        ReadOnlySpan<TaskSeries> all = metrics.Tasks.All;
        if (all.IsEmpty) return;
        TaskValues[] values = ArrayPool<TaskValues>.Shared.Rent(all.Length);
        try
        {
            for (int i = 0; i < all.Length; i++) values[i] = all[i].Read();
            ReadOnlySpan<TaskValues> v = values.AsSpan(0, all.Length);

            Header(o, om, "cpst_tasks_total", "counter", "Tasks finished, by outcome and primary model.");
            for (int i = 0; i < all.Length; i++) Sample(o, "cpst_tasks_total"u8, Labels(all[i], metrics.Tasks.LabelNames), default, v[i].Tasks);

            Header(o, om, "cpst_task_cost_usd_total", "counter", "Inference and tool spend of finished tasks, USD.");
            for (int i = 0; i < all.Length; i++)
            {
                Start(o, "cpst_task_cost_usd_total"u8, Labels(all[i], metrics.Tasks.LabelNames), default);
                o.Write(v[i].CostUsd);
                if (om) WriteExemplar(o, v[i].CostExemplar);
                o.Write((byte)'\n');
            }

            Header(o, om, "cpst_task_llm_calls_total", "counter", "LLM calls made by finished tasks.");
            for (int i = 0; i < all.Length; i++) Sample(o, "cpst_task_llm_calls_total"u8, Labels(all[i], metrics.Tasks.LabelNames), default, v[i].LlmCalls);

            Header(o, om, "cpst_task_tool_calls_total", "counter", "Tool calls made by finished tasks.");
            for (int i = 0; i < all.Length; i++) Sample(o, "cpst_task_tool_calls_total"u8, Labels(all[i], metrics.Tasks.LabelNames), default, v[i].ToolCalls);

            Header(o, om, "cpst_task_tokens_total", "counter", "Tokens used by finished tasks, by token type.");
            for (int i = 0; i < all.Length; i++)
            {
                byte[] labels = Labels(all[i], metrics.Tasks.LabelNames);
                Sample(o, "cpst_task_tokens_total"u8, labels, TokenTypesTask[0], v[i].InputTokens);
                Sample(o, "cpst_task_tokens_total"u8, labels, TokenTypesTask[1], v[i].OutputTokens);
            }
        }
        finally
        {
            ArrayPool<TaskValues>.Shared.Return(values);
        }
    }

    private void WriteCostHistogram(ExpositionBuffer o, bool om)
    {
        ReadOnlySpan<CostHistogramSeries> all = metrics.CostHistogram.All;
        if (all.IsEmpty) return;
        Header(o, om, "cpst_cost_per_task_usd", "histogram", "Cost of finished tasks, USD.");
        int buckets = CostHistogramSeries.Bounds.Length + 1;
        Span<long> counts = stackalloc long[buckets];
        Exemplar[] exemplars = ArrayPool<Exemplar>.Shared.Rent(buckets);
        try
        {
            foreach (CostHistogramSeries series in all)
            {
                series.Read(counts, exemplars, out decimal sum, out long count);
                byte[] labels = Labels(series, metrics.CostHistogram.LabelNames);
                long cumulative = 0;
                for (int b = 0; b < buckets; b++)
                {
                    cumulative = Saturating.Add(cumulative, counts[b]); // stays monotonic, and at _count, when the buckets are full
                    Start(o, "cpst_cost_per_task_usd_bucket"u8, labels, BucketBounds[b]);
                    o.Write(cumulative);
                    if (om) WriteExemplar(o, exemplars[b]);
                    o.Write((byte)'\n');
                }
                Start(o, "cpst_cost_per_task_usd_sum"u8, labels, default);
                o.Write(sum);
                o.Write((byte)'\n');
                Sample(o, "cpst_cost_per_task_usd_count"u8, labels, default, count);
            }
        }
        finally
        {
            ArrayPool<Exemplar>.Shared.Return(exemplars);
        }
    }

    private void WriteCallMetrics(ExpositionBuffer o, bool om)
    {
        ReadOnlySpan<LlmCallSeries> llm = metrics.LlmCalls.All;
        if (!llm.IsEmpty)
        {
            string[] names = metrics.LlmCalls.LabelNames;
            Header(o, om, "cpst_llm_calls_total", "counter", "LLM calls, as their spans arrive.");
            foreach (LlmCallSeries s in llm) Sample(o, "cpst_llm_calls_total"u8, Labels(s, names), default, s.Read().Calls);

            Header(o, om, "cpst_llm_tokens_total", "counter", "LLM tokens by type; cache and reasoning tokens are subsets of input and output.");
            foreach (LlmCallSeries s in llm)
            {
                TokenUsage t = s.Read().Tokens;
                byte[] labels = Labels(s, names);
                Sample(o, "cpst_llm_tokens_total"u8, labels, TokenTypesLlm[0], t.Input);
                Sample(o, "cpst_llm_tokens_total"u8, labels, TokenTypesLlm[1], t.Output);
                Sample(o, "cpst_llm_tokens_total"u8, labels, TokenTypesLlm[2], t.CacheRead);
                Sample(o, "cpst_llm_tokens_total"u8, labels, TokenTypesLlm[3], t.CacheWrite);
                Sample(o, "cpst_llm_tokens_total"u8, labels, TokenTypesLlm[4], t.Reasoning);
            }

            Header(o, om, "cpst_llm_cost_usd_total", "counter", "LLM spend priced from the price table or explicit span costs, USD.");
            foreach (LlmCallSeries s in llm) Sample(o, "cpst_llm_cost_usd_total"u8, Labels(s, names), default, s.Read().CostUsd);
        }

        ReadOnlySpan<CountSeries> unpriced = metrics.UnpricedCalls.All;
        if (!unpriced.IsEmpty)
        {
            Header(o, om, "cpst_unpriced_llm_calls_total", "counter", "LLM calls with tokens but no price in the price table; they count as 0 USD.");
            foreach (CountSeries s in unpriced) Sample(o, "cpst_unpriced_llm_calls_total"u8, Labels(s, metrics.UnpricedCalls.LabelNames), default, s.Value);
        }

        ReadOnlySpan<ToolCallSeries> tools = metrics.ToolCalls.All;
        if (!tools.IsEmpty)
        {
            string[] names = metrics.ToolCalls.LabelNames;
            Header(o, om, "cpst_tool_calls_total", "counter", "Tool calls, as their spans arrive.");
            foreach (ToolCallSeries s in tools) Sample(o, "cpst_tool_calls_total"u8, Labels(s, names), default, s.Read().Calls);
            Header(o, om, "cpst_tool_cost_usd_total", "counter", "Tool spend, USD.");
            foreach (ToolCallSeries s in tools) Sample(o, "cpst_tool_cost_usd_total"u8, Labels(s, names), default, s.Read().CostUsd);
        }
    }

    private void WriteFinOps(ExpositionBuffer o, bool om)
    {
        var useCases = metrics.UseCases;
        var supporting = metrics.Supporting.Read();
        if (supporting.Count > 0)
        {
            Header(o, om, "cpst_supporting_cost_usd_total", "counter", "Configured supporting spend accrued since start at 730 hours a month, USD.");
            foreach (var (useCase, item, usd) in supporting)
                Sample(o, "cpst_supporting_cost_usd_total"u8, LabelEncoder.Encode(["use_case", "item"], [useCase, item]), default, usd);
        }
        if (useCases.Values.Any(u => u.TargetUsd is not null))
        {
            Header(o, om, "cpst_target_usd", "gauge", "CPST objective of the use case, USD per successful task.");
            foreach (var (useCase, options) in useCases)
                if (options.TargetUsd is decimal target) Sample(o, "cpst_target_usd"u8, LabelEncoder.EncodeOne("use_case", useCase), default, target);
        }
        if (useCases.Values.Any(u => u.MonthlyBudgetUsd is not null))
        {
            Header(o, om, "cpst_monthly_budget_usd", "gauge", "Monthly budget of the use case, USD.");
            foreach (var (useCase, options) in useCases)
                if (options.MonthlyBudgetUsd is decimal budget) Sample(o, "cpst_monthly_budget_usd"u8, LabelEncoder.EncodeOne("use_case", useCase), default, budget);
        }
        if (useCases.Values.Any(u => u.SpikeFactor is not null))
        {
            Header(o, om, "cpst_spike_factor", "gauge", "CpstSpike fires when the use case's CPST exceeds this many times its 7-day baseline.");
            foreach (var (useCase, options) in useCases)
                if (options.SpikeFactor is decimal factor) Sample(o, "cpst_spike_factor"u8, LabelEncoder.EncodeOne("use_case", useCase), default, factor);
        }
        if (useCases.Values.Any(u => u.MinTasksPerHour is not null))
        {
            Header(o, om, "cpst_min_tasks_per_hour", "gauge", "Fewest tasks finished in an hour for the use case's alerts to judge that hour.");
            foreach (var (useCase, options) in useCases)
                if (options.MinTasksPerHour is long tasks) Sample(o, "cpst_min_tasks_per_hour"u8, LabelEncoder.EncodeOne("use_case", useCase), default, tasks);
        }
    }

    private void WriteSelf(ExpositionBuffer o, bool om)
    {
        Header(o, om, "cpst_pending_tasks", "gauge", "Tasks waiting for more spans or an outcome.");
        Sample(o, "cpst_pending_tasks"u8, null, default, metrics.PendingTasks());

        Header(o, om, "cpst_received_spans_total", "counter", "Spans accepted, by protocol.");
        foreach (var (label, count) in receiving.ReceivedSpans.Values())
            Sample(o, "cpst_received_spans_total"u8, LabelEncoder.EncodeOne("protocol", label), default, count);

        Header(o, om, "cpst_rejected_spans_total", "counter", "Spans refused in otherwise valid requests, by reason.");
        foreach (var (label, count) in receiving.RejectedSpans.Values())
            Sample(o, "cpst_rejected_spans_total"u8, LabelEncoder.EncodeOne("reason", label), default, count);

        Header(o, om, "cpst_rejected_requests_total", "counter", "Export and outcome requests refused whole, by reason.");
        foreach (var (label, count) in receiving.RejectedRequests.Values())
            Sample(o, "cpst_rejected_requests_total"u8, LabelEncoder.EncodeOne("reason", label), default, count);

        Counter(o, om, "cpst_late_spans_total", "Spans that arrived after their task finished; their cost was added under the task's labels.", metrics.LateSpans);
        Counter(o, om, "cpst_late_outcomes_total", "Outcomes that arrived after their task finished; they changed nothing.", metrics.LateOutcomes);
        Counter(o, om, "cpst_evicted_tasks_total", "Tasks finished early because the pending-task limit was reached.", metrics.EvictedTasks);
        Counter(o, om, "cpst_dropped_outcomes_total", "Outcomes for traces never seen within the outcome window.", metrics.DroppedOutcomes);
        Counter(o, om, "cpst_duplicate_spans_total", "Spans received again (a retried batch, another protocol) and not counted again.", metrics.DuplicateSpans);
        Counter(o, om, "cpst_state_save_failures_total", "Writes of the state file or of its journal of finished tasks that failed; /readyz answers 503 until a checkpoint succeeds.", metrics.StateSaveFailures);

        Header(o, om, "cpst_series_overflow_total", "counter", "Updates folded into an __overflow__ series by the series limit of the metric or of its use case.");
        foreach (var (metric, count) in metrics.Overflows.Values())
            Sample(o, "cpst_series_overflow_total"u8, LabelEncoder.EncodeOne("metric", metric), default, count);

        Header(o, om, "cpst_build_info", "gauge", "Version of the running exporter.");
        Sample(o, "cpst_build_info"u8, LabelEncoder.EncodeOne("version", version), default, 1);

        Header(o, om, "cpst_pricing_info", "gauge", "Version (content hash) of the live price table.");
        Sample(o, "cpst_pricing_info"u8, LabelEncoder.EncodeOne("version", pricingVersion()), default, 1);

        Header(o, om, "cpst_config_reload_failures_total", "counter", "Reloads refused because the file or a value was wrong; the last good configuration stays in force.");
        Sample(o, "cpst_config_reload_failures_total"u8, LabelEncoder.EncodeOne("config", "pricing"), default, pricingReloadFailures?.Invoke() ?? 0);
        Sample(o, "cpst_config_reload_failures_total"u8, LabelEncoder.EncodeOne("config", "use_cases"), default, metrics.UseCaseReloadFailures);
    }

    private static void Counter(ExpositionBuffer o, bool om, string name, string help, long value)
    {
        Header(o, om, name, "counter", help);
        Sample(o, Encoding.UTF8.GetBytes(name), null, default, value);
    }

    /// <summary>HELP and TYPE; OpenMetrics names a counter family without its <c>_total</c> suffix.</summary>
    internal static void Header(ExpositionBuffer o, bool om, string name, string type, string help)
    {
        string family = om && type == "counter" && name.EndsWith("_total", StringComparison.Ordinal) ? name[..^"_total".Length] : name;
        o.Write("# HELP "u8);
        o.Write(Encoding.UTF8.GetBytes(family));
        o.Write((byte)' ');
        o.Write(Encoding.UTF8.GetBytes(help));
        o.Write("\n# TYPE "u8);
        o.Write(Encoding.UTF8.GetBytes(family));
        o.Write((byte)' ');
        o.Write(Encoding.UTF8.GetBytes(type));
        o.Write((byte)'\n');
    }

    private static byte[] Labels(Series series, string[] names) =>
        series.EncodedLabels ??= LabelEncoder.Encode(names, series.LabelValues);

    private static void Start(ExpositionBuffer o, ReadOnlySpan<byte> name, byte[]? labels, ReadOnlySpan<byte> extra)
    {
        o.Write(name);
        bool hasLabels = labels is { Length: > 0 };
        if (hasLabels || !extra.IsEmpty)
        {
            o.Write((byte)'{');
            if (hasLabels) o.Write(labels);
            if (hasLabels && !extra.IsEmpty) o.Write((byte)',');
            if (!extra.IsEmpty) o.Write(extra);
            o.Write((byte)'}');
        }
        o.Write((byte)' ');
    }

    internal static void Sample(ExpositionBuffer o, ReadOnlySpan<byte> name, byte[]? labels, ReadOnlySpan<byte> extra, long value)
    {
        Start(o, name, labels, extra);
        o.Write(value);
        o.Write((byte)'\n');
    }

    private static void Sample(ExpositionBuffer o, ReadOnlySpan<byte> name, byte[]? labels, ReadOnlySpan<byte> extra, decimal value)
    {
        Start(o, name, labels, extra);
        o.Write(value);
        o.Write((byte)'\n');
    }

    private static void WriteExemplar(ExpositionBuffer o, in Exemplar exemplar)
    {
        if (exemplar.IsEmpty) return;
        Span<byte> hex = stackalloc byte[32];
        exemplar.TraceId.TryFormat(hex, out _);
        o.Write(" # {trace_id=\""u8);
        o.Write(hex);
        o.Write("\"} "u8);
        o.Write(exemplar.Value);
        o.Write((byte)' ');
        o.Write(exemplar.TimestampMs / 1000);
        o.Write((byte)'.');
        long millis = exemplar.TimestampMs % 1000;
        o.Write((byte)('0' + millis / 100));
        o.Write((byte)('0' + millis / 10 % 10));
        o.Write((byte)('0' + millis % 10));
    }
}
