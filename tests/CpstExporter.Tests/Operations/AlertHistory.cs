using System.Globalization;
using System.Text;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// Four hours of the exporter's counters as Prometheus would have scraped them, one sample a minute up to an end time,
/// in OpenMetrics text for <c>promtool tsdb create-blocks-from openmetrics</c>. An hour before the end two use cases
/// change (the reference traffic of <c>prometheus/tests/cpst-explain.test.yml</c>):
/// <list type="bullet">
/// <item><c>search-agent</c>: the "more thorough" prompt, three web searches a task instead of one. Cost per task 0.40 →
/// 0.60 USD, success ratio 80 % both times: CPST 0.50 → 0.75 USD, so <c>CpstSpike</c> fires and says it was the tools.</item>
/// <item><c>support-bot</c>: the service posting review outcomes breaks, 40 % of tasks instead of 10 % finish without an
/// outcome (no signal decided them: <c>source="window"</c>), so successes, which the reviews decided, fall from 8 to 5
/// in 10 at the same cost: CPST 0.025 → 0.040 USD, and
/// <c>TasksWithoutOutcome</c> fires with <c>CpstSpike</c> and <c>TaskSuccessRateDrop</c>, which Alertmanager holds back.</item>
/// </list>
/// And the bill, all along (<see cref="Gauges"/>): on the last billed day OpenAI billed 120 USD over two projects of which
/// the traces account for 90 (75 %), so <c>UntracedSpend</c> fires for <c>openai</c>; Anthropic billed 50 USD of which
/// 49 were traced (98 %), which stays quiet; both sources imported a minute before each sample, so
/// <c>BillingImportStale</c> stays quiet.
/// </summary>
internal static class AlertHistory
{
    public static readonly TimeSpan Length = TimeSpan.FromHours(4);
    public static readonly TimeSpan ChangeBeforeEnd = TimeSpan.FromHours(1);

    private const string Search = "search-agent", SearchModel = "gemini-2.5-flash";
    private const string Support = "support-bot", SupportModel = "gpt-5.4-mini";

    /// <summary>Each series with its increase per minute before and after the change.</summary>
    private static readonly (string Series, decimal Before, decimal After)[] Counters =
    [
        (Task("cpst_tasks_total", Search, SearchModel, "success"), 8, 8),
        (Task("cpst_tasks_total", Search, SearchModel, "failure"), 2, 2),
        (BySource(Search, "span", "success"), 8, 8),
        (BySource(Search, "span", "failure"), 2, 2),
        (Task("cpst_task_cost_usd_total", Search, SearchModel, "success"), 3.2m, 4.8m),
        (Task("cpst_task_cost_usd_total", Search, SearchModel, "failure"), 0.8m, 1.2m),
        (Task("cpst_task_llm_calls_total", Search, SearchModel, "success"), 16, 16),
        (Task("cpst_task_llm_calls_total", Search, SearchModel, "failure"), 4, 4),
        (Task("cpst_task_tool_calls_total", Search, SearchModel, "success"), 8, 24),
        (Task("cpst_task_tool_calls_total", Search, SearchModel, "failure"), 2, 6),
        ("""cpst_llm_calls_total{use_case="search-agent",provider="gcp.gemini",model="gemini-2.5-flash"}""", 20, 20),
        ("""cpst_llm_cost_usd_total{use_case="search-agent",provider="gcp.gemini",model="gemini-2.5-flash"}""", 3, 3),
        ("""cpst_tool_calls_total{use_case="search-agent",tool="web_search"}""", 10, 30),
        ("""cpst_tool_cost_usd_total{use_case="search-agent",tool="web_search"}""", 1, 3),

        (Task("cpst_tasks_total", Support, SupportModel, "success"), 8, 5),
        (Task("cpst_tasks_total", Support, SupportModel, "failure"), 1, 1),
        (Task("cpst_tasks_total", Support, SupportModel, "unknown"), 1, 4),
        (BySource(Support, "api", "success"), 8, 5),
        (BySource(Support, "span", "failure"), 1, 1),
        (BySource(Support, "window", "unknown"), 1, 4),
        (Task("cpst_task_cost_usd_total", Support, SupportModel, "success"), 0.16m, 0.10m),
        (Task("cpst_task_cost_usd_total", Support, SupportModel, "failure"), 0.02m, 0.02m),
        (Task("cpst_task_cost_usd_total", Support, SupportModel, "unknown"), 0.02m, 0.08m),
        (Task("cpst_task_llm_calls_total", Support, SupportModel, "success"), 24, 15),
        (Task("cpst_task_llm_calls_total", Support, SupportModel, "failure"), 3, 3),
        (Task("cpst_task_llm_calls_total", Support, SupportModel, "unknown"), 3, 12),
        ("""cpst_llm_calls_total{use_case="support-bot",provider="openai",model="gpt-5.4-mini"}""", 30, 30),
        ("""cpst_llm_cost_usd_total{use_case="support-bot",provider="openai",model="gpt-5.4-mini"}""", 0.15m, 0.15m),
        ("""cpst_tool_calls_total{use_case="support-bot",tool="file_search"}""", 20, 20),
        ("""cpst_tool_cost_usd_total{use_case="support-bot",tool="file_search"}""", 0.05m, 0.05m),
    ];

    /// <summary>Gauges that hold one value all along (the bill); <c>null</c>: a minute before the sample's time, in seconds.</summary>
    private static readonly (string Series, decimal? Value)[] Gauges =
    [
        ("""cpst_billed_cost_last_day_usd{provider="openai",account="proj_a"}""", 80),
        ("""cpst_billed_cost_last_day_usd{provider="openai",account="proj_b"}""", 40),
        ("""cpst_traced_cost_last_day_usd{provider="openai"}""", 90),
        ("""cpst_billing_last_billed_day_timestamp_seconds{provider="openai"}""", 1793491200), // 1 November 2026
        ("""cpst_billed_cost_last_day_usd{provider="anthropic",account=""}""", 50),
        ("""cpst_traced_cost_last_day_usd{provider="anthropic"}""", 49),
        ("""cpst_billing_last_import_timestamp_seconds{source="openai"}""", null),
        ("""cpst_billing_last_import_timestamp_seconds{source="anthropic"}""", null),
    ];

    /// <summary>A series of a task metric: the task labels, as the exporter writes them.</summary>
    private static string Task(string metric, string useCase, string model, string outcome) =>
        $"{metric}{{use_case=\"{useCase}\",outcome=\"{outcome}\",model=\"{model}\",environment=\"prod\",variant=\"none\"}}";

    /// <summary>A series of <c>cpst_outcomes_by_source_total</c>: the signal that decided the tasks' outcome.</summary>
    private static string BySource(string useCase, string source, string outcome) =>
        $"cpst_outcomes_by_source_total{{use_case=\"{useCase}\",source=\"{source}\",outcome=\"{outcome}\"}}";

    /// <summary>The history ending at <paramref name="end"/> (whole seconds), every series in time order, then <c># EOF</c>.</summary>
    public static string OpenMetrics(DateTimeOffset end)
    {
        long last = end.ToUnixTimeSeconds();
        long first = last - (long)Length.TotalSeconds;
        long change = last - (long)ChangeBeforeEnd.TotalSeconds;
        var text = new StringBuilder();
        foreach (var (series, before, after) in Counters)
        {
            decimal value = 0;
            for (long t = first; t <= last; t += 60)
            {
                if (t > first) value += t > change ? after : before;
                text.Append(CultureInfo.InvariantCulture, $"{series} {value} {t}\n");
            }
        }
        foreach (var (series, value) in Gauges)
        {
            for (long t = first; t <= last; t += 60)
                text.Append(CultureInfo.InvariantCulture, $"{series} {value ?? t - 60} {t}\n");
        }
        // The exporter was up all along: CpstExporterDown stays quiet.
        for (long t = first; t <= last; t += 60)
            text.Append(CultureInfo.InvariantCulture, $"up{{job=\"cpst-exporter\",instance=\"exporter:9464\"}} 1 {t}\n");
        return text.Append("# EOF\n").ToString();
    }
}
