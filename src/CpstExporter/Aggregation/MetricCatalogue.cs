using static CpstExporter.Aggregation.MetricType;

namespace CpstExporter.Aggregation;

/// <summary>
/// Every metric family the exporter writes under the names docs/reference.md lists ("Metrics"), declared once: name, type, help text and
/// label names, in the order <c>/metrics</c> writes them. The series families (<see cref="CpstMetrics"/>) take their
/// metric and label names from here, <c>cpst_series_overflow_total</c> its <c>metric</c> label values, and the exposition
/// writes each family's <c># HELP</c> and <c># TYPE</c> from here, looping over <see cref="All"/>. The runtime's and
/// Kestrel's families are not here: their names and help come from their instruments (<c>Exposition/RuntimeMetrics</c>).
/// </summary>
internal static class MetricCatalogue
{
    private const string UseCase = "use_case";
    private const string TokenType = "token_type";

    /// <summary>The labels of a finished task's series (docs/reference.md, "Metrics").</summary>
    public static readonly string[] TaskLabels = [UseCase, "outcome", "model", "environment", "variant"];

    private static readonly string[] LlmCallLabels = [UseCase, "provider", "model"];
    private static readonly string[] ToolCallLabels = [UseCase, "tool"];
    private static readonly string[] BasisLabels = [UseCase, "basis", "service_tier"];

    private static readonly MetricDescriptor[] Descriptors =
    [
        new(MetricId.Tasks, "cpst_tasks_total", Counter, "Tasks finished, by outcome and primary model.", TaskLabels),
        new(MetricId.TaskCost, "cpst_task_cost_usd_total", Counter, "Inference and tool spend of finished tasks, USD.", TaskLabels),
        new(MetricId.TaskLlmCalls, "cpst_task_llm_calls_total", Counter, "LLM calls made by finished tasks.", TaskLabels),
        new(MetricId.TaskToolCalls, "cpst_task_tool_calls_total", Counter, "Tool calls made by finished tasks.", TaskLabels),
        new(MetricId.TaskTokens, "cpst_task_tokens_total", Counter, "Tokens used by finished tasks, by token type.", [.. TaskLabels, TokenType]),
        new(MetricId.CostPerTask, "cpst_cost_per_task_usd", Histogram, "Cost of finished tasks, USD.", UseCase, "outcome"),

        new(MetricId.LlmCalls, "cpst_llm_calls_total", Counter, "LLM calls, as their spans arrive.", LlmCallLabels),
        new(MetricId.LlmTokens, "cpst_llm_tokens_total", Counter,
            "LLM tokens by type; cache and reasoning tokens are subsets of input and output.", [.. LlmCallLabels, TokenType]),
        new(MetricId.LlmCost, "cpst_llm_cost_usd_total", Counter,
            "LLM spend priced from the price table or explicit span costs, USD.", LlmCallLabels),
        new(MetricId.UnpricedLlmCalls, "cpst_unpriced_llm_calls_total", Counter,
            "LLM calls with tokens but no price in the price table; they count as 0 USD.", UseCase, "model"),
        new(MetricId.LlmCostByBasis, "cpst_llm_cost_by_basis_usd_total", Counter,
            "LLM spend by how it was priced (table, table_long_context, provider_reported, explicit, library_estimate, unpriced) and the served service tier, USD.",
            BasisLabels),
        new(MetricId.LlmCallsByBasis, "cpst_llm_calls_by_basis_total", Counter,
            "LLM calls by how they were priced and the served service tier.", BasisLabels),
        new(MetricId.UnpricedServiceTierCalls, "cpst_unpriced_service_tier_calls_total", Counter,
            "LLM calls served at a tier their price entry has no rate for; priced at the standard rates.", "model", "service_tier"),
        new(MetricId.ToolCalls, "cpst_tool_calls_total", Counter, "Tool calls, as their spans arrive.", ToolCallLabels),
        new(MetricId.ToolCost, "cpst_tool_cost_usd_total", Counter, "Tool spend, USD.", ToolCallLabels),
        new(MetricId.Evaluations, "cpst_evaluations_total", Counter,
            "Evaluations of finished tasks, by evaluation name and result (pass, fail).", UseCase, "evaluation", "result"),
        new(MetricId.OutcomesBySource, "cpst_outcomes_by_source_total", Counter,
            "Finished tasks by the signal that decided their outcome (span, error, api, evaluation; window: none did).", UseCase, "source", "outcome"),

        new(MetricId.SupportingCost, "cpst_supporting_cost_usd_total", Counter,
            "Configured supporting spend accrued since start at 730 hours a month, USD.", UseCase, "item"),
        new(MetricId.Target, "cpst_target_usd", Gauge, "CPST objective of the use case, USD per successful task.", UseCase),
        new(MetricId.MonthlyBudget, "cpst_monthly_budget_usd", Gauge, "Monthly budget of the use case, USD.", UseCase),
        new(MetricId.SpikeFactor, "cpst_spike_factor", Gauge,
            "CpstSpike fires when the use case's CPST exceeds this many times its 7-day baseline.", UseCase),
        new(MetricId.MinTasksPerHour, "cpst_min_tasks_per_hour", Gauge,
            "Fewest tasks finished in an hour for the use case's alerts to judge that hour.", UseCase),
        new(MetricId.BilledMonthToDate, "cpst_billed_cost_month_to_date_usd", Gauge,
            "Billed by the provider in the current UTC month so far, from the imported bill, USD.", "provider", "account"),
        new(MetricId.BilledLastDay, "cpst_billed_cost_last_day_usd", Gauge,
            "Billed by the provider on its last billed day (the latest day before today the bill has), USD.", "provider", "account"),
        new(MetricId.LastBilledDay, "cpst_billing_last_billed_day_timestamp_seconds", Gauge,
            "Start (UTC midnight) of the provider's last billed day, the day the last-day gauges are of, seconds since the Unix epoch.", "provider"),
        new(MetricId.TracedLastDay, "cpst_traced_cost_last_day_usd", Gauge,
            "LLM and tool cost the exporter traced with the provider on its last billed day, USD.", "provider"),
        new(MetricId.BillingCoverage, "cpst_billing_coverage_ratio", Gauge,
            "Traced cost divided by billed cost on the provider's last billed day.", "provider"),
        new(MetricId.BillingLastImport, "cpst_billing_last_import_timestamp_seconds", Gauge,
            "When the bill source last imported, seconds since the Unix epoch.", "source"),
        new(MetricId.BillingImportFailures, "cpst_billing_import_failures_total", Counter,
            "Imports of the bill source that failed; what it imported before stays.", "source"),

        new(MetricId.PendingTasks, "cpst_pending_tasks", Gauge, "Tasks waiting for more spans or an outcome."),
        new(MetricId.ReceivedSpans, "cpst_received_spans_total", Counter, "Spans accepted, by protocol.", "protocol"),
        new(MetricId.RejectedSpans, "cpst_rejected_spans_total", Counter, "Spans refused in otherwise valid requests, by reason.", "reason"),
        new(MetricId.RejectedRequests, "cpst_rejected_requests_total", Counter, "Export and outcome requests refused whole, by reason.", "reason"),
        new(MetricId.IgnoredAttributes, "cpst_ignored_attributes_total", Counter,
            "Attributes of accepted spans that were ignored while the rest of the span counted (an implausible cost, a currency without an exchange rate, an unknown service tier).",
            "reason"),
        new(MetricId.IgnoredLogRecords, "cpst_ignored_log_records_total", Counter,
            "OTLP log records accepted and ignored: not gen_ai.evaluation.result events, or evaluation events that could not be used, by reason.",
            "reason"),
        new(MetricId.LateSpans, "cpst_late_spans_total", Counter,
            "Spans that arrived after their task finished; their cost was added under the task's labels."),
        new(MetricId.LateOutcomes, "cpst_late_outcomes_total", Counter, "Outcomes that arrived after their task finished; they changed nothing."),
        new(MetricId.EvictedTasks, "cpst_evicted_tasks_total", Counter, "Tasks finished early because the pending-task limit was reached."),
        new(MetricId.DroppedOutcomes, "cpst_dropped_outcomes_total", Counter, "Outcomes for traces never seen within the outcome window."),
        new(MetricId.DuplicateSpans, "cpst_duplicate_spans_total", Counter,
            "Spans received again (a retried batch, another protocol) and not counted again."),
        new(MetricId.EarlyCountedCalls, "cpst_early_counted_calls_total", Counter,
            "Calls of a task waiting for its root counted before it arrived, under the use case known then: the task held as many kinds of calls as it keeps."),
        new(MetricId.StateSaveFailures, "cpst_state_save_failures_total", Counter,
            "Writes of the state file or of its journal of finished tasks that failed; /readyz answers 503 until a checkpoint succeeds."),
        new(MetricId.SeriesOverflow, "cpst_series_overflow_total", Counter,
            "Updates folded into an __overflow__ series by the series limit of the metric or of its use case.", "metric"),
        new(MetricId.BuildInfo, "cpst_build_info", Gauge, "Version of the running exporter.", "version"),
        new(MetricId.PricingInfo, "cpst_pricing_info", Gauge, "Version (content hash) of the live price table.", "version"),
        new(MetricId.ConfigReloadFailures, "cpst_config_reload_failures_total", Counter,
            "Reloads refused because the file or a value was wrong; the last good configuration stays in force.", "config"),

        // The standard process metrics every Prometheus exporter carries.
        new(MetricId.ProcessCpuSeconds, "process_cpu_seconds_total", Counter, "Total user and system CPU time spent in seconds."),
        new(MetricId.ProcessResidentMemory, "process_resident_memory_bytes", Gauge, "Resident memory size in bytes."),
        new(MetricId.ProcessStartTime, "process_start_time_seconds", Gauge, "Start time of the process since unix epoch in seconds."),
    ];

    static MetricCatalogue()
    {
        // Indexed by id: an entry out of place would give one family another's name.
        for (int i = 0; i < Descriptors.Length; i++)
            if ((int)Descriptors[i].Id != i) throw new InvalidOperationException($"{Descriptors[i].Name} is not at the place of {Descriptors[i].Id}");
        if (Descriptors.Length != Enum.GetValues<MetricId>().Length) throw new InvalidOperationException("a metric id has no entry");
    }

    /// <summary>Every family, in the order <c>/metrics</c> writes them.</summary>
    public static ReadOnlySpan<MetricDescriptor> All => Descriptors;

    public static MetricDescriptor Get(MetricId id) => Descriptors[(int)id];
}
