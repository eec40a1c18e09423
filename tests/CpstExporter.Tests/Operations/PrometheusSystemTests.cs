using System.Globalization;
using System.Text.Json;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// The shipped rules and dashboards against a real Prometheus that scraped the real exporter with OpenMetrics: what a
/// user gets after copying <c>prometheus/rules</c>, <c>dashboards</c> and <c>grafana/provisioning</c> into their stack.
/// </summary>
public sealed class PrometheusSystemTests(PrometheusStack stack) : IClassFixture<PrometheusStack>
{
    private PrometheusServer Prometheus => stack.Prometheus;

    [RequiresBinaryFact("prometheus")]
    public async Task RecordingRules_GiveCpstForEveryUseCaseSent()
    {
        IReadOnlyDictionary<string, double> cpst = await Prometheus.ByLabelAsync("use_case:cpst_usd_per_successful_task:ratio1h", "use_case");

        Assert.Equal(["coding-agent", "search-agent", "support-bot"], cpst.Keys.Order());
        AssertClose(PrometheusStack.SupportBotCost, cpst["support-bot"]);      // every task succeeded, no supporting cost
        AssertClose(2 * PrometheusStack.CodingAgentCost, cpst["coding-agent"]); // half failed: each success carries two tasks
        // The vector database's $1 an hour is part of the search agent's CPST.
        Assert.True(cpst["search-agent"] > PrometheusStack.SearchAgentTaskCost * 1.0001,
            $"search-agent CPST {cpst["search-agent"]} should include supporting cost on top of {PrometheusStack.SearchAgentTaskCost}");
        Assert.True((await Prometheus.ByLabelAsync("use_case:cpst_supporting_cost_usd:increase1h", "use_case"))["search-agent"] > 0);

        IReadOnlyDictionary<string, double> success = await Prometheus.ByLabelAsync("use_case:cpst_task_success:ratio1h", "use_case");
        AssertClose(1, success["support-bot"]);
        AssertClose(0.5, success["coding-agent"]);
        AssertClose(PrometheusStack.CodingAgentCost, (await Prometheus.ByLabelAsync("use_case:cpst_task_cost_usd_per_task:ratio1h", "use_case"))["coding-agent"]);
        AssertClose(1, (await Prometheus.ByLabelAsync("use_case:cpst_llm_calls_per_task:ratio1h", "use_case"))["coding-agent"]);
        AssertClose(1, (await Prometheus.ByLabelAsync("use_case:cpst_tool_calls_per_task:ratio1h", "use_case"))["search-agent"]);
        AssertClose(200, (await Prometheus.ByLabelAsync("use_case:cpst_output_tokens_per_llm_call:ratio1h", "use_case"))["support-bot"]);
        AssertClose(0, (await Prometheus.ByLabelAsync("use_case:cpst_task_unknown_outcome:ratio1h", "use_case"))["support-bot"]);
    }

    [RequiresBinaryFact("prometheus")]
    public async Task EveryRule_EvaluatesWithoutError()
    {
        JsonElement groups = (await Prometheus.GetAsync("api/v1/rules")).GetProperty("groups");
        var rules = groups.EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();

        Assert.True(rules.Count > 20, $"only {rules.Count} rules loaded");
        Assert.All(rules, rule => Assert.True(rule.GetProperty("health").GetString() == "ok",
            $"{rule.GetProperty("name")}: {rule.GetProperty("health")} {(rule.TryGetProperty("lastError", out JsonElement e) ? e : default)}"));
        // Nothing is wrong with this traffic (the support bot's CPST is under its target): no alert may be on its way.
        JsonElement alerts = await Prometheus.QueryAsync("ALERTS");
        Assert.True(alerts.GetArrayLength() == 0, $"unexpected alerts: {alerts}");
    }

    [RequiresBinaryFact("prometheus")]
    public async Task EveryDashboardTarget_RunsWithoutError()
    {
        var queries = GrafanaQueries.PanelTargets().ToList();
        Assert.True(queries.Count > 50, $"only {queries.Count} dashboard targets found");

        Assert.Empty(await FailuresAsync(queries));
        // The panel a user opens first shows the three use cases.
        GrafanaQueries.Query headline = queries.First(q => q.Where.StartsWith("cpst-overview.json › CPST ›", StringComparison.Ordinal));
        Assert.Equal(3, (await Prometheus.QueryAsync(headline.PromQl)).GetArrayLength());
    }

    /// <summary>Every panel of the exporter dashboard's Runtime row has a line, but for exceptions, which appear when one is thrown.</summary>
    [RequiresBinaryFact("prometheus")]
    public async Task RuntimeRow_ShowsTheExportersRuntime()
    {
        var queries = GrafanaQueries.RowTargets("cpst-exporter.json", "Runtime").ToList();
        Assert.True(queries.Count >= 10, $"only {queries.Count} targets in the Runtime row");

        foreach (GrafanaQueries.Query query in queries.Where(q => !q.Where.Contains("› Exceptions by type ›", StringComparison.Ordinal)))
            Assert.True((await Prometheus.QueryAsync(query.PromQl)).GetArrayLength() > 0, $"{query.Where}: no series");
    }

    [RequiresBinaryFact("prometheus")]
    public async Task GrafanaAlertRuleQueries_RunWithoutError()
    {
        var queries = GrafanaQueries.AlertRuleQueries().ToList();
        Assert.True(queries.Count >= 12, $"only {queries.Count} Grafana alert queries found");

        Assert.Empty(await FailuresAsync(queries));
    }

    [RequiresBinaryFact("prometheus")]
    public async Task DashboardVariables_ListTheUseCasesSent()
    {
        var variables = GrafanaQueries.Variables().ToList();
        Assert.NotEmpty(variables);

        foreach (GrafanaQueries.LabelValues variable in variables)
        {
            JsonElement values = await Prometheus.GetAsync($"api/v1/label/{variable.Label}/values?match[]={Uri.EscapeDataString(variable.Match)}", variable.Where);
            Assert.True(values.GetArrayLength() > 0, $"{variable.Where}: no values");
            if (variable.Label == "use_case")
                Assert.Equal(["coding-agent", "search-agent", "support-bot"], values.EnumerateArray().Select(v => v.GetString()!).Order());
        }
    }

    [RequiresBinaryFact("prometheus")]
    public async Task Exemplars_LinkTaskCostToTheTracesSent()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string range = $"start={(now - 3600).ToString(CultureInfo.InvariantCulture)}&end={(now + 3600).ToString(CultureInfo.InvariantCulture)}";
        JsonElement data = await Prometheus.GetAsync($"api/v1/query_exemplars?query={Uri.EscapeDataString("cpst_cost_per_task_usd_bucket")}&{range}");

        var traceIds = data.EnumerateArray()
            .SelectMany(series => series.GetProperty("exemplars").EnumerateArray())
            .Select(exemplar => exemplar.GetProperty("labels").GetProperty("trace_id").GetString()!)
            .ToHashSet();
        Assert.NotEmpty(traceIds);
        Assert.Subset(stack.SentTraceIds, traceIds);
    }

    private async Task<List<string>> FailuresAsync(IEnumerable<GrafanaQueries.Query> queries)
    {
        var failures = new List<string>();
        foreach (GrafanaQueries.Query query in queries)
        {
            try
            {
                await Prometheus.QueryAsync(query.PromQl);
            }
            catch (PrometheusQueryException e)
            {
                failures.Add($"{query.Where}: {e.Message}");
            }
        }
        return failures;
    }

    /// <summary>Equal but for floating-point rounding in PromQL (a relative 1e-9).</summary>
    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= (expected == 0 ? 1e-12 : 1e-9 * Math.Abs(expected)), $"expected {expected}, got {actual}");
}
