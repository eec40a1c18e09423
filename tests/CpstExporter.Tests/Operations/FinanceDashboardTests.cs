using System.Globalization;
using System.Text;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// The finance dashboard (<c>dashboards/cpst-finance.json</c>, docs/dashboards.md). Its Prometheus panels are run by
/// promtool, Prometheus's own query engine, over 61 days of known history at a fixed time, and must show the numbers
/// worked out by hand in docs/alerts.md ("Why the bill moved") and the billing alerts' tests: the seed's bill +20 % on
/// traffic +5 % as +7200 USD of volume and +21600 USD of longer calls, the bill counted once across exporter instances
/// and the traced cost added up. Every target of those rows must have an expectation here, so a new panel cannot go
/// unchecked. Its billing API queries are checked against the parameters and row fields of <c>GET /api/v1/billing</c>
/// here, and sent to a running exporter by <see cref="EndToEnd.BillingSourcesEndToEndTests"/>.
/// </summary>
public sealed class FinanceDashboardTests
{
    private const string Dashboard = "cpst-finance.json";
    private const string SpendChangeRow = "Why the bill moved: the last 30 days against the 30 days before";
    private const string BillRow = "The bill against the traces (docs/billing.md)";
    private const string MonthRow = "This month (UTC) against budget";

    /// <summary>The hour every expectation is read at: the last 30 days are 721h to 1440h, the 30 before 1h to 720h.</summary>
    private const string EvalTime = "1440h";

    /// <summary>
    /// The one-hour series the spend change rules add up, one value per hour: 30 days before, then 30 days after. The
    /// support bot is the seed (tasks 100 → 105 an hour, spend 200 → 240 USD, 4 LLM calls per task, tokens per call
    /// 1000 → 1142.86 at 0.0005 USD a token); the research agent moves every driver at once (as in
    /// prometheus/tests/cpst-spend-change-split.test.yml).
    /// </summary>
    private static readonly (string Series, string Values)[] SpendChangeHours =
    [
        ("use_case:cpst_spend_usd:increase1h{use_case=\"support-bot\"}", "200x720 240x719"),
        ("use_case:cpst_tasks:increase1h{use_case=\"support-bot\"}", "100x720 105x719"),
        ("use_case:cpst_successful_tasks:increase1h{use_case=\"support-bot\"}", "80x720 84x719"),
        ("use_case:cpst_task_llm_calls:increase1h{use_case=\"support-bot\"}", "400x720 420x719"),
        ("use_case:cpst_task_tokens:increase1h{use_case=\"support-bot\"}", "400000x720 480000x719"),
        ("use_case:cpst_spend_usd:increase1h{use_case=\"research-agent\"}", "25x720 54x719"),
        ("use_case:cpst_tasks:increase1h{use_case=\"research-agent\"}", "10x720 12x719"),
        ("use_case:cpst_successful_tasks:increase1h{use_case=\"research-agent\"}", "8x720 6x719"),
        ("use_case:cpst_task_llm_calls:increase1h{use_case=\"research-agent\"}", "40x720 60x719"),
        ("use_case:cpst_task_tokens:increase1h{use_case=\"research-agent\"}", "40000x720 75000x719"),
        ("use_case:cpst_tool_cost_usd:increase1h{use_case=\"research-agent\"}", "4x720 6x719"),
        ("use_case:cpst_supporting_cost_usd:increase1h{use_case=\"research-agent\"}", "1x720 3x719"),
    ];

    /// <summary>Support bot, research agent: each target of the spend change row, by "panel › refId".</summary>
    private static readonly Dictionary<string, (double SupportBot, double ResearchAgent)> SpendChange = new()
    {
        ["Spend, last 30 days › A"] = (172800, 38880),
        ["Spend change › A"] = (28800, 20880),
        ["Spend change % › A"] = (0.2, 20880.0 / 18000),
        ["CPST change › A"] = (172800.0 / 60480 - 144000.0 / 57600, 5.875),
        ["Spend change by effect › A"] = (7200, 3600),   // volume
        ["Spend change by effect › B"] = (0, 4320),      // calls per task
        ["Spend change by effect › C"] = (21600, 5400),  // tokens per call
        ["Spend change by effect › D"] = (0, 5400),      // price
        ["Spend change by effect › E"] = (0, 864),       // tool cost
        ["Spend change by effect › F"] = (0, 1296),      // supporting cost
        ["Spend change in numbers › A"] = (144000, 18000),
        ["Spend change in numbers › B"] = (172800, 38880),
        ["Spend change in numbers › C"] = (28800, 20880),
        ["Spend change in numbers › D"] = (7200, 3600),
        ["Spend change in numbers › E"] = (21600, 17280),
        ["Spend change in numbers › F"] = (0, 4320),
        ["Spend change in numbers › G"] = (21600, 10800),
        ["Spend change in numbers › H"] = (21600, 5400),
        ["Spend change in numbers › I"] = (0, 5400),
        ["Spend change in numbers › J"] = (0, 864),
        ["Spend change in numbers › K"] = (0, 1296),
        // Cost per task at the previous success ratio, success ratio at the current cost per task.
        ["CPST change by effect › A"] = ((172800.0 * 72000 / 75600 - 144000) / 57600, 2.5),
        ["CPST change by effect › B"] = (0, 3.375),
        ["The drivers before and now › A"] = (72000, 7200),
        ["The drivers before and now › B"] = (75600, 8640),
        ["The drivers before and now › C"] = (2, 2.5),
        ["The drivers before and now › D"] = (172800.0 / 75600, 4.5),
        ["The drivers before and now › E"] = (4, 4),
        ["The drivers before and now › F"] = (4, 5),
        ["The drivers before and now › G"] = (1000, 1000),
        ["The drivers before and now › H"] = (345600000.0 / 302400, 1250),
        ["The drivers before and now › I"] = (500, 500),
        ["The drivers before and now › J"] = (500, 600),
        ["The drivers before and now › K"] = (0.8, 0.8),
        ["The drivers before and now › L"] = (0.8, 0.5),
    };

    /// <summary>
    /// The bill as two exporter instances (a, b) expose it, and the traffic of this month's last hour. Both import the
    /// same bill; each traced its own share of the traffic. Last billed day: openai billed 60 + 40 USD (two projects),
    /// traced 40 + 35; anthropic billed 50, traced 46; aws.bedrock billed 20, never traced; gcp.vertex_ai billed 0.
    /// Month to date: openai 600 + 400, aws.bedrock 200. Budgets: support bot 1500, research agent 1000 USD.
    /// </summary>
    private static readonly (string Series, string Values)[] Bill =
    [
        .. Both("cpst_billed_cost_last_day_usd", "provider=\"openai\",account=\"proj-a\"", "60x1440"),
        .. Both("cpst_billed_cost_last_day_usd", "provider=\"openai\",account=\"proj-b\"", "40x1440"),
        ("cpst_traced_cost_last_day_usd{instance=\"a\",provider=\"openai\"}", "40x1440"),
        ("cpst_traced_cost_last_day_usd{instance=\"b\",provider=\"openai\"}", "35x1440"),
        .. Both("cpst_billed_cost_last_day_usd", "provider=\"anthropic\",account=\"wrk-1\"", "50x1440"),
        .. Both("cpst_traced_cost_last_day_usd", "provider=\"anthropic\"", "23x1440"),
        .. Both("cpst_billed_cost_last_day_usd", "provider=\"aws.bedrock\",account=\"123456789012\"", "20x1440"),
        .. Both("cpst_billed_cost_last_day_usd", "provider=\"gcp.vertex_ai\",account=\"my-project\"", "0x1440"),
        ("cpst_traced_cost_last_day_usd{instance=\"a\",provider=\"gcp.vertex_ai\"}", "0x1440"),
        .. Both("cpst_billed_cost_month_to_date_usd", "provider=\"openai\",account=\"proj-a\"", "600x1440"),
        .. Both("cpst_billed_cost_month_to_date_usd", "provider=\"openai\",account=\"proj-b\"", "400x1440"),
        .. Both("cpst_billed_cost_month_to_date_usd", "provider=\"aws.bedrock\",account=\"123456789012\"", "200x1440"),
        .. Both("cpst_monthly_budget_usd", "use_case=\"support-bot\"", "1500x1440"),
        .. Both("cpst_monthly_budget_usd", "use_case=\"research-agent\"", "1000x1440"),
        ("cpst_task_cost_usd_total{instance=\"a\",use_case=\"support-bot\",outcome=\"success\",model=\"gpt-4o\",environment=\"prod\",variant=\"a\"}", "0+240x1440"),
        ("cpst_task_cost_usd_total{instance=\"a\",use_case=\"research-agent\",outcome=\"success\",model=\"gpt-4o\",environment=\"prod\",variant=\"a\"}", "0+51x1440"),
        .. Both("cpst_supporting_cost_usd_total", "use_case=\"research-agent\",item=\"vector-db\"", "0+3x1440"),
    ];

    /// <summary>Each Prometheus target of the bill and month rows: the label it is per (null: one value), and its values.</summary>
    private static readonly Dictionary<string, (string? Label, Dictionary<string, double> Values)> BillPanels = new()
    {
        ["Coverage of the last billed day › A"] = ("provider", Coverage()),
        ["Last billed day per provider › A"] = ("provider", new() { ["openai"] = 100, ["anthropic"] = 50, ["aws.bedrock"] = 20, ["gcp.vertex_ai"] = 0 }),
        ["Last billed day per provider › B"] = ("provider", new() { ["openai"] = 75, ["anthropic"] = 46, ["aws.bedrock"] = 0, ["gcp.vertex_ai"] = 0 }),
        ["Last billed day per provider › C"] = ("provider", new() { ["openai"] = 25, ["anthropic"] = 4, ["aws.bedrock"] = 20, ["gcp.vertex_ai"] = 0 }),
        ["Last billed day per provider › D"] = ("provider", Coverage()),
        ["Coverage of the last billed day over time › A"] = ("provider", Coverage()),
        ["Billed this month › A"] = (null, new() { [""] = 1200 }),
        ["Monthly budgets › A"] = (null, new() { [""] = 2500 }),
        ["Billed this month of the budgets › A"] = (null, new() { [""] = 1200.0 / 2500 }),
        ["Billed this month per provider › A"] = ("provider", new() { ["openai"] = 1000, ["aws.bedrock"] = 200 }),
        // The panel's range is this month; here one hour of it (GrafanaQueries.Substitute): task cost + supporting cost.
        ["Traced spend this month per use case against its budget › A"] = ("use_case", new() { ["support-bot"] = 240, ["research-agent"] = 54 }),
        ["Traced spend this month per use case against its budget › B"] = ("use_case", new() { ["support-bot"] = 1500, ["research-agent"] = 1000 }),
        ["Traced spend this month per use case against its budget › C"] = ("use_case", new() { ["support-bot"] = 240.0 / 1500, ["research-agent"] = 54.0 / 1000 }),
    };

    /// <summary>The parameters of <c>GET /api/v1/billing</c> and the fields of its rows (docs/billing.md).</summary>
    private const string BillingPath = "/api/v1/billing";
    private static readonly string[] BillingParameters = ["from", "to", "provider", "group_by"];
    private static readonly string[] BillingGroupings = ["day", "provider", "account"];
    private static readonly Dictionary<string, string> BillingFields = new()
    {
        ["day"] = "string", ["provider"] = "string", ["account"] = "string",
        ["billed_usd"] = "number", ["traced_usd"] = "number", ["untraced_usd"] = "number", ["coverage"] = "number",
    };

    [RequiresBinaryFact("promtool")]
    public async Task SpendChangePanels_ShowTheSeedsBillRiseAsVolumeAndLongerCalls()
    {
        var targets = GrafanaQueries.RowTargets(Dashboard, SpendChangeRow).ToList();
        Assert.Equal(SpendChange.Keys.Order(), targets.Select(Key).Order());

        var expectations = targets.Select(t => (t.PromQl, (string?)"use_case", new Dictionary<string, double>
        {
            ["support-bot"] = SpendChange[Key(t)].SupportBot,
            ["research-agent"] = SpendChange[Key(t)].ResearchAgent,
        }));

        string failures = await PromtoolFailuresAsync(SpendChangeHours, expectations);

        Assert.True(failures.Length == 0, failures);
    }

    [RequiresBinaryFact("promtool")]
    public async Task BillAndMonthPanels_CountTheBillOnceAndAddUpTheTracedCost()
    {
        var targets = GrafanaQueries.RowTargets(Dashboard, BillRow).Concat(GrafanaQueries.RowTargets(Dashboard, MonthRow)).ToList();
        Assert.Equal(BillPanels.Keys.Order(), targets.Select(Key).Order());

        string failures = await PromtoolFailuresAsync(Bill, targets.Select(t => (t.PromQl, BillPanels[Key(t)].Label, BillPanels[Key(t)].Values)));

        Assert.True(failures.Length == 0, failures);
    }

    /// <summary>
    /// The exporter's raw counters behind the seed, as one instance exposes them hour by hour for 61 days (0h to 1440h):
    /// the support bot's tasks 100 → 105 an hour (80 % successful) for 200 → 240 USD, and a quiet bot whose spend
    /// moves 5 % on the same 50 tasks an hour: task cost 90 → 95 USD and 10 USD of supporting cost an hour, which both
    /// of two instances accrue (counted once).
    /// </summary>
    private static readonly (string Series, string Values)[] SeedCounters =
    [
        ("cpst_tasks_total{use_case=\"support-bot\",outcome=\"success\",model=\"gpt-4o\",environment=\"prod\",variant=\"a\"}", "0+80x720 57684+84x719"),
        ("cpst_tasks_total{use_case=\"support-bot\",outcome=\"failure\",model=\"gpt-4o\",environment=\"prod\",variant=\"a\"}", "0+20x720 14421+21x719"),
        ("cpst_task_cost_usd_total{use_case=\"support-bot\",outcome=\"success\",model=\"gpt-4o\",environment=\"prod\",variant=\"a\"}", "0+160x720 115392+192x719"),
        ("cpst_task_cost_usd_total{use_case=\"support-bot\",outcome=\"failure\",model=\"gpt-4o\",environment=\"prod\",variant=\"a\"}", "0+40x720 28848+48x719"),
        ("cpst_tasks_total{use_case=\"quiet-bot\",outcome=\"success\",model=\"gpt-4o\",environment=\"prod\",variant=\"a\"}", "0+50x1440"),
        ("cpst_task_cost_usd_total{use_case=\"quiet-bot\",outcome=\"success\",model=\"gpt-4o\",environment=\"prod\",variant=\"a\"}", "0+90x720 64895+95x719"),
        .. Both("cpst_supporting_cost_usd_total", "use_case=\"quiet-bot\",item=\"vector_db\"", "0+10x1440"),
    ];

    /// <summary>
    /// The Grafana-managed copy of SpendChanged (grafana/provisioning/alerting/cpst-alerts.yml) reads the raw counters,
    /// not the recording rules: on the seed it must see the figures the Prometheus rule's tests see (bill +20 %, 28800
    /// USD more, 75600 tasks against 72000) and fire for the support bot only, not for a use case 5 % up.
    /// </summary>
    [RequiresBinaryFact("promtool")]
    public async Task GrafanaSpendChanged_OnTheSeedsCounters_ReadsTheFiguresOfThePrometheusRule()
    {
        Dictionary<string, string> queries = GrafanaProvisioning.AlertRuleData("SpendChanged");
        var expected = new Dictionary<string, Dictionary<string, double>>
        {
            ["A"] = new() { ["support-bot"] = 0.2 },                                   // the condition: 10 % and 100 USD or more
            ["B"] = new() { ["support-bot"] = 20, ["quiet-bot"] = 5 },                // the change, %
            ["D"] = new() { ["support-bot"] = 172800, ["quiet-bot"] = 75600 },        // spend, last 30 days
            ["E"] = new() { ["support-bot"] = 28800, ["quiet-bot"] = 3600 },          // its change
            ["F"] = new() { ["support-bot"] = 144000, ["quiet-bot"] = 72000 },        // the 30 days before
            ["G"] = new() { ["support-bot"] = 75600, ["quiet-bot"] = 36000 },         // tasks, last 30 days
            ["H"] = new() { ["support-bot"] = 72000, ["quiet-bot"] = 36000 },         // the 30 days before
        };
        Assert.Equal(expected.Keys.Order(), queries.Keys.Order());

        string failures = await PromtoolFailuresAsync(SeedCounters, expected.Select(e => (queries[e.Key], (string?)"use_case", e.Value)));

        Assert.True(failures.Length == 0, failures);
    }

    [Fact]
    public void BillingQueries_AskTheBillingApiForItsParametersAndFields()
    {
        var queries = InfinityQueries.PanelTargets().Concat(InfinityQueries.VariableQueries()).Where(q => q.Dashboard == Dashboard).ToList();
        Assert.NotEmpty(queries);
        var groupings = new HashSet<string>();
        var variables = new Dictionary<string, string>
        {
            ["__from"] = "1793577600000",
            ["__to"] = "1796169600000",
            ["provider"] = "*",
        };
        foreach (InfinityQueries.Query query in queries)
        {
            Assert.True(query.Url == BillingPath, $"{query}: url {query.Url}, expected {BillingPath}");
            var parameters = query.Params.ToDictionary(p => p.Key, p => p.Value);
            Assert.True(parameters.Count == query.Params.Count, $"{query}: a parameter given twice");
            Assert.True(parameters.Keys.All(BillingParameters.Contains), $"{query}: parameters {string.Join(", ", parameters.Keys)}, the API takes {string.Join(", ", BillingParameters)}");
            // The dashboard's time range, in epoch milliseconds as the task API takes it.
            Assert.Equal("${__from}", parameters["from"]);
            Assert.Equal("${__to}", parameters["to"]);
            Assert.Contains(parameters["group_by"], BillingGroupings);
            groupings.Add(parameters["group_by"]);
            Assert.NotEmpty(query.Columns);
            foreach (InfinityQueries.Column column in query.Columns)
                Assert.True(BillingFields.TryGetValue(column.Selector, out string? type) && type == column.Type,
                    $"{query}: column '{column.Text}' selects '{column.Selector}' as {column.Type}; the rows have {string.Join(", ", BillingFields.Select(f => $"{f.Key} ({f.Value})"))}");
            // "All" providers is no filter: an empty value.
            Uri request = query.RequestUri(new Uri("http://127.0.0.1:9464/"), variables);
            Assert.DoesNotContain("provider=%2A", request.Query, StringComparison.Ordinal);
            Assert.Contains("from=1793577600000&to=1796169600000", request.Query, StringComparison.Ordinal);
        }
        Assert.Equal(BillingGroupings.Order(), groupings.Order());
    }

    /// <summary>
    /// Runs each query at <see cref="EvalTime"/> over the given history in <c>promtool test rules</c> and compares every
    /// series with the expected value, exactly; each query is summed by its label first, which keeps its value and
    /// drops the metric name. Empty when all match, else promtool's report.
    /// </summary>
    private static async Task<string> PromtoolFailuresAsync(
        IEnumerable<(string Series, string Values)> history, IEnumerable<(string PromQl, string? Label, Dictionary<string, double> Values)> expectations)
    {
        var yaml = new StringBuilder();
        yaml.Append("rule_files:\n  - ").Append(RepoFiles.Path("prometheus", "rules", "cpst-spend-change.yml")).Append('\n');
        yaml.Append("evaluation_interval: ").Append(EvalTime).Append("\ntests:\n  - interval: 1h\n    input_series:\n");
        foreach (var (series, values) in history)
            yaml.Append("      - series: '").Append(series).Append("'\n        values: '").Append(values).Append("'\n");
        yaml.Append("    promql_expr_test:\n");
        foreach (var (promQl, label, values) in expectations)
        {
            yaml.Append("      - expr: |\n          ").Append(label is null ? "sum (" : $"sum by ({label}) (").Append('\n');
            foreach (string line in promQl.Split('\n')) yaml.Append("            ").Append(line).Append('\n');
            yaml.Append("          )\n        eval_time: ").Append(EvalTime).Append("\n        exp_samples:\n");
            foreach (var (value, expected) in values)
                yaml.Append("          - labels: '").Append(label is null ? "{}" : $"{{{label}=\"{value}\"}}")
                    .Append("'\n            value: ").Append(expected.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        string directory = Directory.CreateTempSubdirectory("cpst-finance-").FullName;
        try
        {
            string file = Path.Combine(directory, "finance.test.yml");
            await File.WriteAllTextAsync(file, yaml.ToString());
            var (exitCode, output) = await Processes.RunAsync(Binaries.Find("promtool") ?? "promtool", $"test rules {file}");
            return exitCode == 0 ? "" : output;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Key(GrafanaQueries.Query query) => query.Where[(Dashboard.Length + " › ".Length)..];

    private static Dictionary<string, double> Coverage() => new() { ["openai"] = 0.75, ["anthropic"] = 0.92, ["aws.bedrock"] = 0 };

    private static IEnumerable<(string, string)> Both(string metric, string labels, string values) =>
        new[] { "a", "b" }.Select(instance => ($"{metric}{{instance=\"{instance}\",{labels}}}", values));
}
