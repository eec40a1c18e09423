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

        Assert.Equal(PrometheusStack.UseCases, cpst.Keys.Order());
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
        // The panel a user opens first shows every use case.
        GrafanaQueries.Query headline = queries.First(q => q.Where.StartsWith("cpst-overview.json › CPST ›", StringComparison.Ordinal));
        Assert.Equal(PrometheusStack.UseCases.Length, (await Prometheus.QueryAsync(headline.PromQl)).GetArrayLength());
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

    /// <summary>
    /// The overview's and the models dashboard's panels of how spend was priced give the research agent's mix (a long
    /// prompt at priority, a short one at priority, flex without a flex price, an unknown tier) and nothing of it to the
    /// other use cases, whose calls were all priced from the table at the standard tier.
    /// </summary>
    [RequiresBinaryFact("prometheus")]
    public async Task PricingPanels_ShowTheSharesOfLongContextAndServiceTiers()
    {
        const double Total = PrometheusStack.ResearchAgentLlmCost;
        IReadOnlyDictionary<string, double> longContext = await PanelByUseCaseAsync("cpst-overview.json › Long-context share › A");
        Assert.Equal(PrometheusStack.UseCases, longContext.Keys.Order());
        AssertClose(PrometheusStack.ResearchLongContextPriorityCost / Total, longContext["research-agent"]);
        AssertClose(0, longContext["support-bot"]);

        IReadOnlyDictionary<string, double> priority = await PanelByUseCaseAsync("cpst-overview.json › Priority share › A");
        Assert.Equal(PrometheusStack.UseCases, priority.Keys.Order());
        AssertClose((PrometheusStack.ResearchLongContextPriorityCost + PrometheusStack.ResearchPriorityCost) / Total, priority["research-agent"]);
        AssertClose(0, priority["coding-agent"]);

        var research = new Dictionary<(string Basis, string Tier), double>
        {
            [("table_long_context", "priority")] = PrometheusStack.ResearchLongContextPriorityCost,
            [("table", "priority")] = PrometheusStack.ResearchPriorityCost,
            [("table", "flex")] = PrometheusStack.ResearchFlexCost,
            [("table", "standard")] = PrometheusStack.ResearchUnknownTierCost,
        };
        var spendShare = await PanelByBasisAsync("cpst-overview.json › How spend was priced › B");
        Assert.Equal(
            research.Keys.Select(k => ("research-agent", k.Basis, k.Tier))
                .Concat(PrometheusStack.UseCases.Where(u => u != "research-agent").Select(u => (u, "table", "standard")))
                .Order(),
            spendShare.Keys.Order());
        foreach (var ((basis, tier), cost) in research) AssertClose(cost / Total, spendShare[("research-agent", basis, tier)]);
        AssertClose(1, spendShare[("support-bot", "table", "standard")]);

        var costPerCall = await PanelByBasisAsync("cpst-overview.json › How spend was priced › D");
        foreach (var ((basis, tier), cost) in research) AssertClose(cost, costPerCall[("research-agent", basis, tier)]);
        AssertClose(PrometheusStack.SupportBotCost, costPerCall[("support-bot", "table", "standard")]);

        // The models dashboard: each of the research agent's four calls is a quarter of its calls, at the price it was billed.
        var callShare = await PanelByBasisAsync("cpst-models.json › How calls were priced › B");
        foreach (var (basis, tier) in research.Keys) AssertClose(0.25, callShare[("research-agent", basis, tier)]);
        AssertClose(1, callShare[("coding-agent", "table", "standard")]);
        var modelsCostPerCall = await PanelByBasisAsync("cpst-models.json › How calls were priced › C");
        foreach (var ((basis, tier), cost) in research) AssertClose(cost, modelsCostPerCall[("research-agent", basis, tier)]);

        // Time series of the same families have a line for each basis and tier that had calls.
        JsonElement spendOverTime = await Prometheus.QueryAsync(Target("cpst-overview.json › LLM spend by basis and service tier ($ per hour) › A"));
        Assert.Equal(research.Keys.Order(), spendOverTime.EnumerateArray()
            .Select(s => (s.GetProperty("metric").GetProperty("basis").GetString()!, s.GetProperty("metric").GetProperty("service_tier").GetString()!)).Order());
    }

    /// <summary>Only gpt-4o at flex was served at a tier its entry has no price for; only the made-up tier was ignored.</summary>
    [RequiresBinaryFact("prometheus")]
    public async Task UnpricedServiceTierAndIgnoredAttributePanels_ShowTheCallsSent()
    {
        JsonElement unpricedTiers = await Prometheus.QueryAsync(Target("cpst-models.json › Calls at an unpriced service tier per minute › A"));
        JsonElement line = Assert.Single(unpricedTiers.EnumerateArray());
        Assert.Equal("gpt-4o", line.GetProperty("metric").GetProperty("model").GetString());
        Assert.Equal("flex", line.GetProperty("metric").GetProperty("service_tier").GetString());
        Assert.True(Value(line) > 0, $"no calls per minute: {line}");

        IReadOnlyDictionary<string, double> ignored = await Prometheus.ByLabelAsync(Target("cpst-exporter.json › Ignored attributes by reason › A"), "reason");
        Assert.True(ignored["unknown_service_tier"] > 0, $"no unknown service tier ignored: {string.Join(", ", ignored)}");
        Assert.Equal(0, ignored["implausible_cost"]);
        Assert.Equal(0, ignored["unknown_currency"]);
    }

    /// <summary>
    /// The overview's row "How success is decided" gives the review agent's mix (<see cref="PrometheusStack"/>): which
    /// signal decided its tasks under its outcome policy, the sixth no signal decided, and each evaluation's pass rate;
    /// every other use case's tasks were decided by their spans.
    /// </summary>
    [RequiresBinaryFact("prometheus")]
    public async Task SuccessPanels_ShowTheSignalsThatDecidedAndTheEvaluationPassRates()
    {
        const string Review = PrometheusStack.ReviewAgent;
        var expectedShares = new Dictionary<(string, string), double>
        {
            [(Review, "evaluation")] = 3.0 / 6, [(Review, "api")] = 1.0 / 6, [(Review, "span")] = 1.0 / 6, [(Review, "window")] = 1.0 / 6,
        };
        foreach (string useCase in PrometheusStack.UseCases.Where(u => u != Review)) expectedShares[(useCase, "span")] = 1;
        var expectedPassRates = new Dictionary<(string, string), double> { [(Review, "unit-tests")] = 0.5, [(Review, "tone")] = 2.0 / 3 };

        // Over the range (tables): tasks and share by deciding signal, evaluations and pass rate.
        AssertCloseAll(expectedShares, await ByTwoLabelsAsync(Target("cpst-overview.json › Deciding signals over the selected time range › B"), "source"));
        var tasks = await ByTwoLabelsAsync(Target("cpst-overview.json › Deciding signals over the selected time range › A"), "source");
        Assert.True(tasks[(Review, "window")] > 0 && Math.Abs(tasks[(Review, "evaluation")] - 3 * tasks[(Review, "window")]) < 1e-9 * tasks[(Review, "evaluation")],
            $"review-agent tasks by source: {string.Join(", ", tasks)}");
        AssertCloseAll(expectedPassRates, await ByTwoLabelsAsync(Target("cpst-overview.json › Evaluations over the selected time range › B"), "evaluation"));

        // Over time, at a scrape with every task: the stacked shares, the undecided share and the pass rates.
        AssertCloseAll(expectedShares, await ByTwoLabelsAtAsync(Target("cpst-overview.json › Outcomes by deciding signal: $use_case › A"), "source"));
        IReadOnlyDictionary<string, double> undecided = ByLabel(await Prometheus.QueryAtAsync(
            Target("cpst-overview.json › Tasks no signal decided, and tasks still waiting › A"), stack.FullScrapeTime), "use_case");
        Assert.Equal(PrometheusStack.UseCases, undecided.Keys.Order());
        foreach (var (useCase, share) in undecided) AssertClose(useCase == Review ? 1.0 / 6 : 0, share);
        JsonElement pending = await Prometheus.QueryAtAsync(Target("cpst-overview.json › Tasks no signal decided, and tasks still waiting › B"), stack.FullScrapeTime);
        Assert.Equal(0, Value(Assert.Single(pending.EnumerateArray())));
        AssertCloseAll(expectedPassRates, await ByTwoLabelsAtAsync(Target("cpst-overview.json › Evaluation pass rate › A"), "evaluation"));

        // The recording rules TasksWithoutOutcome reads: a sixth undecided is below its 20 %.
        IReadOnlyDictionary<string, double> rule = await Prometheus.ByLabelAsync("use_case:cpst_task_undecided:ratio1h", "use_case");
        Assert.Equal(PrometheusStack.UseCases, rule.Keys.Order());
        AssertClose(1.0 / 6, rule[Review]);
        AssertClose(0, rule["support-bot"]);
        AssertCloseAll(expectedShares, await ByTwoLabelsAsync("use_case_source:cpst_outcomes:ratio1h", "source"));
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
                Assert.Equal(PrometheusStack.UseCases, values.EnumerateArray().Select(v => v.GetString()!).Order());
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

    /// <summary>The PromQL of one dashboard target, named "file › panel title › refId".</summary>
    private static string Target(string where) =>
        GrafanaQueries.PanelTargets().SingleOrDefault(q => q.Where == where)?.PromQl ?? throw new InvalidOperationException($"no dashboard target {where}");

    private Task<IReadOnlyDictionary<string, double>> PanelByUseCaseAsync(string where) => Prometheus.ByLabelAsync(Target(where), "use_case");

    private async Task<Dictionary<(string UseCase, string Basis, string Tier), double>> PanelByBasisAsync(string where) =>
        (await Prometheus.QueryAsync(Target(where))).EnumerateArray().ToDictionary(
            s => (Label(s, "use_case"), Label(s, "basis"), Label(s, "service_tier")), Value);

    private async Task<Dictionary<(string UseCase, string Other), double>> ByTwoLabelsAsync(string promql, string other) =>
        ByTwoLabels(await Prometheus.QueryAsync(promql), other);

    private async Task<Dictionary<(string UseCase, string Other), double>> ByTwoLabelsAtAsync(string promql, string other) =>
        ByTwoLabels(await Prometheus.QueryAtAsync(promql, stack.FullScrapeTime), other);

    private static Dictionary<(string UseCase, string Other), double> ByTwoLabels(JsonElement result, string other) =>
        result.EnumerateArray().ToDictionary(s => (Label(s, "use_case"), Label(s, other)), Value);

    private static Dictionary<string, double> ByLabel(JsonElement result, string label) =>
        result.EnumerateArray().ToDictionary(s => Label(s, label), Value);

    /// <summary>The same keys, and each value equal but for rounding.</summary>
    private static void AssertCloseAll<TKey>(IReadOnlyDictionary<TKey, double> expected, IReadOnlyDictionary<TKey, double> actual) where TKey : notnull
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, value) in expected) AssertClose(value, actual[key]);
    }

    private static string Label(JsonElement series, string name) => series.GetProperty("metric").GetProperty(name).GetString()!;

    private static double Value(JsonElement series) =>
        double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);

    /// <summary>Equal but for floating-point rounding in PromQL (a relative 1e-9).</summary>
    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= (expected == 0 ? 1e-12 : 1e-9 * Math.Abs(expected)), $"expected {expected}, got {actual}");
}
