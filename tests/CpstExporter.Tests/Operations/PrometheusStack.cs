using System.Diagnostics;
using System.Net.Http.Json;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Exporter;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// The exporter and a real Prometheus loading the shipped rules, with agent traffic sent through the OpenTelemetry
/// SDK, set up once for <see cref="PrometheusSystemTests"/>. When the binary is missing locally nothing starts and
/// the tests skip (their attribute says why).
/// </summary>
/// <remarks>
/// Prometheus extrapolates <c>increase()</c> to the window edges, so a ratio of two increases is exact only when both
/// series have the same shape. The traffic is built for that: a warm-up of one of each task of the mix reaches
/// the exporter before the first scrape, then one wave of exactly <see cref="WaveFactor"/> times that mix; every
/// counter goes from v to (1 + WaveFactor)·v, so CPST and success ratio come out as the per-task figures below.
/// </remarks>
public sealed class PrometheusStack : IAsyncLifetime
{
    public const int WaveFactor = 10;

    // Prices of the shipped pricing.yaml: gpt-4o $2.50/$10, gpt-4o-mini $0.15/$0.60 per 1M tokens, web_search $0.01.
    public const double SupportBotCost = 1000 * 2.50 / 1e6 + 200 * 10 / 1e6;               // 0.0045, every task succeeds
    public const double CodingAgentCost = 2000 * 0.15 / 1e6 + 500 * 0.60 / 1e6;            // 0.0006, half succeed
    public const double SearchAgentTaskCost = 1000 * 0.15 / 1e6 + 100 * 0.60 / 1e6 + 0.01; // 0.01021, + supporting cost

    // The research agent's four tasks, one call each, show how calls were priced (cpst_llm_*_by_basis_*):
    // gpt-6.2-sol above its 272k-token prompt tier ($4/$15) at priority (factor 2), the same model below it at priority,
    // gpt-4o at flex, for which its entry has no rate (priced standard, counted as an unpriced service tier), and
    // gpt-4o-mini at a tier no provider has (priced standard, the attribute ignored and counted).
    public const double ResearchLongContextPriorityCost = (300_000 * 4.00 / 1e6 + 1000 * 15.00 / 1e6) * 2; // 2.43
    public const double ResearchPriorityCost = (1000 * 2.00 / 1e6 + 100 * 10.00 / 1e6) * 2;                 // 0.006
    public const double ResearchFlexCost = 1000 * 2.50 / 1e6 + 100 * 10.00 / 1e6;                           // 0.0035
    public const double ResearchUnknownTierCost = 1000 * 0.15 / 1e6 + 100 * 0.60 / 1e6;                     // 0.00021
    public const double ResearchAgentLlmCost = ResearchLongContextPriorityCost + ResearchPriorityCost + ResearchFlexCost + ResearchUnknownTierCost;

    public const string UnknownServiceTier = "turbo";

    /// <summary>Every use case the traffic has, in order.</summary>
    public static readonly string[] UseCases = ["coding-agent", "research-agent", "review-agent", "search-agent", "support-bot"];

    /// <summary>
    /// The use case whose outcome policy decides how success is decided (docs/operations.md, "How success is decided"):
    /// a human reviewer's verdict beats the unit tests, which beat what the agent said; an evaluation scoring at least
    /// 0.8 passes.
    /// </summary>
    public const string ReviewAgent = "review-agent";

    /// <summary>
    /// The review agent's tasks, one gpt-4o-mini call each (<see cref="ReviewAgentCost"/>): the outcome attribute its
    /// root span carries, the evaluations of the task (name, label, score) and a human reviewer's verdict. Decided by
    /// evaluation 3 (2 success, 1 failure), api 1, span 1 and the outcome window 1: a sixth of the tasks undecided, below
    /// the 20 % at which TasksWithoutOutcome would go pending. Evaluations: unit-tests 2 of 4 pass, tone 2 of 3 (tone is
    /// not listed, so it never decides).
    /// </summary>
    private static readonly (string? Outcome, (string Name, string? Label, double? Score)[] Evaluations, string? Human)[] ReviewMix =
    [
        ("success", [("unit-tests", "pass", null), ("tone", "pass", null)], null),
        ("success", [("unit-tests", null, 0.9), ("tone", "fail", null)], null),
        ("success", [("unit-tests", null, 0.5)], null),
        ("failure", [("unit-tests", null, 0.3)], "success"),
        ("success", [("tone", "pass", null)], null),
        (null, [], null),
    ];

    public const double ReviewAgentCost = 1000 * 0.15 / 1e6 + 100 * 0.60 / 1e6; // 0.00021

    /// <summary>Seconds a task waits for a signal its policy counts: short, so the undecided task finishes in set-up.</summary>
    private const int OutcomeWindowSeconds = 60;

    private static readonly (string UseCase, string Model, int Input, int Output, bool Search, string Outcome, string? ServiceTier)[] Mix =
    [
        ("support-bot", "gpt-4o", 1000, 200, false, "success", null),
        ("coding-agent", "gpt-4o-mini", 2000, 500, false, "success", null),
        ("coding-agent", "gpt-4o-mini", 2000, 500, false, "failure", null),
        ("search-agent", "gpt-4o-mini", 1000, 100, true, "success", null),
        ("research-agent", "gpt-6.2-sol", 300_000, 1000, false, "success", "priority"),
        ("research-agent", "gpt-6.2-sol", 1000, 100, false, "success", "priority"),
        ("research-agent", "gpt-4o", 1000, 100, false, "success", "flex"),
        ("research-agent", "gpt-4o-mini", 1000, 100, false, "success", UnknownServiceTier),
    ];

    private ExporterUnderTest? _exporter;
    private PrometheusServer? _prometheus;

    internal PrometheusServer Prometheus => _prometheus ?? throw new InvalidOperationException("the stack did not start");

    public HashSet<string> SentTraceIds { get; } = [];

    /// <summary>
    /// When a scrape that saw every task was taken, right after the wave (Unix seconds): a time series panel's
    /// <c>rate(…[$__rate_interval])</c> evaluated then spans the warm-up and the wave, however long the tests take.
    /// </summary>
    public double FullScrapeTime { get; private set; }

    private static int TasksPerMix => Mix.Length + ReviewMix.Length;

    public static int TasksSent => TasksPerMix * (1 + WaveFactor);

    public async Task InitializeAsync()
    {
        if (Binaries.Find("prometheus") is null) return;

        _exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:UseCases:search-agent:SupportingCosts:vector_db"] = "730", // $1 an hour
            ["Cpst:UseCases:support-bot:TargetUsd"] = "0.01",
            ["Cpst:UseCases:support-bot:MonthlyBudgetUsd"] = "500",
            [$"Cpst:UseCases:{ReviewAgent}:Outcome:Signals:0"] = "api:human",
            [$"Cpst:UseCases:{ReviewAgent}:Outcome:Signals:1"] = "evaluation:unit-tests",
            [$"Cpst:UseCases:{ReviewAgent}:Outcome:Signals:2"] = "span",
            [$"Cpst:UseCases:{ReviewAgent}:Outcome:Combine"] = "authority",
            [$"Cpst:UseCases:{ReviewAgent}:Outcome:PassThreshold"] = "0.8",
            ["Cpst:Tasks:OutcomeWindowSeconds"] = OutcomeWindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, new FakeTimeProvider(DateTimeOffset.UtcNow));

        await SendAsync(repeat: 1);
        FinishAll();

        string[] rules = Directory.GetFiles(RepoFiles.Path("prometheus", "rules"), "*.yml");
        _prometheus = await PrometheusServer.StartAsync(_exporter.MetricsAddress, rules);
        await _prometheus.WaitUntilAsync("the first scrape with the warm-up tasks",
            async () => await _prometheus.ScalarAsync("sum(cpst_tasks_total)") == TasksPerMix);

        await SendAsync(repeat: WaveFactor);
        FinishAll();
        await _prometheus.WaitUntilAsync("a scrape with every task",
            async () => await _prometheus.ScalarAsync("sum(cpst_tasks_total)") == TasksSent);

        // Rules evaluated after that scrape see the final counters.
        double lastScrape = (await _prometheus.ScalarAsync("max(timestamp(cpst_tasks_total))"))!.Value;
        FullScrapeTime = lastScrape;
        await _prometheus.WaitUntilAsync("a rule evaluation after the last scrape",
            async () => await _prometheus.ScalarAsync("min(timestamp(use_case:cpst_tasks:increase1h))") > lastScrape);
        // Groups with an interval of their own (the spend change's, a minute) have evaluated at least once too.
        await _prometheus.WaitUntilAsync("every rule group evaluated once", async () =>
            (await _prometheus.GetAsync("api/v1/rules")).GetProperty("groups").EnumerateArray()
                .All(g => g.GetProperty("lastEvaluation").GetString() is { } at && !at.StartsWith("0001-", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(150));
    }

    public async Task DisposeAsync()
    {
        if (_prometheus is not null) await _prometheus.DisposeAsync();
        if (_exporter is not null) await _exporter.DisposeAsync();
    }

    /// <summary>Finishes the tasks with an outcome, then, once the outcome window is over, the undecided one.</summary>
    private void FinishAll()
    {
        _exporter!.Settle();
        _exporter.Settle(OutcomeWindowSeconds);
        Assert.Equal(0, _exporter.Tasks.PendingCount);
    }

    /// <summary>
    /// Sends <paramref name="repeat"/> times the task mix over OTLP/gRPC with the SDK, as an agent would; then the review
    /// agent's human verdicts to <c>/v1/outcomes</c> and its evaluations to the task stage, where the OTLP receivers hand
    /// <c>gen_ai.evaluation.result</c> events.
    /// </summary>
    private async Task SendAsync(int repeat)
    {
        var verdicts = new List<object>();
        var evaluations = new List<EvaluationResult>();
        using (SdkAgent agent = SdkAgent.Start(_exporter!, OtlpExportProtocol.Grpc, "agents"))
        {
            SendMix(agent, repeat);
            for (int i = 0; i < repeat; i++)
            {
                foreach (var task in ReviewMix)
                {
                    using Activity root = agent.StartActivity("invoke_agent " + ReviewAgent);
                    root.SetTag("cpst.use_case", ReviewAgent);
                    using (Activity llm = agent.StartActivity("chat gpt-4o-mini", ActivityKind.Client))
                    {
                        llm.SetTag("cpst.use_case", ReviewAgent);
                        llm.SetTag("gen_ai.operation.name", "chat");
                        llm.SetTag("gen_ai.provider.name", "openai");
                        llm.SetTag("gen_ai.request.model", "gpt-4o-mini");
                        llm.SetTag("gen_ai.usage.input_tokens", 1000);
                        llm.SetTag("gen_ai.usage.output_tokens", 100);
                    }
                    if (task.Outcome is not null) root.SetTag("outcome", task.Outcome);
                    string traceId = root.TraceId.ToHexString();
                    SentTraceIds.Add(traceId);
                    Assert.True(TraceId.TryParseHex(traceId, out TraceId id));
                    foreach (var (name, label, score) in task.Evaluations) evaluations.Add(new EvaluationResult(id, name, label, score, null));
                    if (task.Human is not null) verdicts.Add(new { trace_id = traceId, outcome = task.Human, source = "human" });
                }
            }
            Assert.True(agent.Flush(), "the SDK could not flush its spans to the exporter");
        }

        using var client = new HttpClient();
        using HttpResponseMessage response = await client.PostAsJsonAsync(new Uri(_exporter!.HttpAddress, "/v1/outcomes"), new { outcomes = verdicts });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var decisions = new TaskDecisions();
        _exporter.Tasks.ApplyEvaluations(evaluations.ToArray(), decisions);
        Assert.True(decisions.IsEmpty, "an evaluation came late or was dropped");
    }

    private void SendMix(SdkAgent agent, int repeat)
    {
        for (int i = 0; i < repeat; i++)
        {
            foreach (var task in Mix)
            {
                using Activity root = agent.StartActivity("invoke_agent " + task.UseCase);
                root.SetTag("cpst.use_case", task.UseCase);
                using (Activity llm = agent.StartActivity("chat " + task.Model, ActivityKind.Client))
                {
                    llm.SetTag("cpst.use_case", task.UseCase);
                    llm.SetTag("gen_ai.operation.name", "chat");
                    llm.SetTag("gen_ai.provider.name", "openai");
                    llm.SetTag("gen_ai.request.model", task.Model);
                    llm.SetTag("gen_ai.usage.input_tokens", task.Input);
                    llm.SetTag("gen_ai.usage.output_tokens", task.Output);
                    if (task.ServiceTier is not null) llm.SetTag("openai.response.service_tier", task.ServiceTier);
                }
                if (task.Search)
                {
                    using Activity tool = agent.StartActivity("execute_tool web_search");
                    tool.SetTag("cpst.use_case", task.UseCase);
                    tool.SetTag("gen_ai.operation.name", "execute_tool");
                    tool.SetTag("gen_ai.tool.name", "web_search");
                }
                root.SetTag("outcome", task.Outcome);
                SentTraceIds.Add(root.TraceId.ToHexString());
            }
        }
    }
}
