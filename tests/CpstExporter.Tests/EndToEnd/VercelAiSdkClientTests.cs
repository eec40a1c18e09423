using System.Globalization;
using System.Text.RegularExpressions;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// An agent built on the Vercel AI SDK (<c>tests/clients/vercel-ai/agent.mjs</c>) runs a tool loop against an
/// OpenAI-compatible endpoint with the SDK's own telemetry on, and sends its traces with the OpenTelemetry JS SDK's
/// OTLP/HTTP exporter. The SDK's span shapes (a <c>ai.generateText</c> or <c>ai.streamText</c> span summing its
/// steps, one <c>ai.*.doGenerate</c> / <c>ai.*.doStream</c> span per model call, <c>ai.toolCall</c> spans, usage
/// details under <c>ai.usage.*</c>, <c>gen_ai.system=openai.chat</c>) must come out as two calls and one tool call
/// per task, each token in its own class, at the test's prices to the last digit, under the root's use case.
/// </summary>
public sealed class VercelAiSdkClientTests : IDisposable
{
    private const string Client = "vercel-ai";
    private const int Tasks = 4; // generateText, streamText, generateText succeed; the last, streamText, fails (agent.mjs)
    private const string UseCase = "weather-bot";

    // Every token class at its own rate, so a token priced in the wrong class, or twice, changes the sum.
    private const string PriceTable = """
        models:
          - name: gpt-4o-mini
            input: 0.15
            output: 0.60
            cache_read: 0.075
            cache_write: 0.1875
            reasoning: 2.40
        tools:
          - name: get_weather
            per_call: 0.0025
        """;

    // Each call (FakeOpenAiEndpoint): 1000 input tokens of which 400 cache reads, 200 output tokens of which 50 reasoning.
    private const decimal CallCost = (600 * 0.15m + 400 * 0.075m + 150 * 0.60m + 50 * 2.40m) / 1_000_000; // 0.00033
    private const decimal TaskCost = 2 * CallCost + 0.0025m;                                              // 0.00316

    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-vercel-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// Besides the traces, the agent sends an evaluator's verdict on its first task as a <c>gen_ai.evaluation.result</c>
    /// log record with the OpenTelemetry JS logs SDK (agent.mjs, <c>--evaluation</c>): label <c>partially_relevant</c>,
    /// score 0.6, under the use case's threshold of 0.8. The policy puts the evaluation above the root's outcome, so
    /// the first task, which the root called a success, fails by evaluation; every call and its cost count as before.
    /// </summary>
    [RequiresNodeClientFact(Client)]
    public async Task ToolLoop_GenerateTextAndStreamText_CountsEachModelCallOnceAtExactCost()
    {
        string pricing = Path.Combine(_directory, "pricing.yaml");
        File.WriteAllText(pricing, PriceTable);
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:PricingFile"] = pricing,
            [$"Cpst:UseCases:{UseCase}:Outcome:Signals:0"] = "evaluation:answer_relevance",
            [$"Cpst:UseCases:{UseCase}:Outcome:Signals:1"] = "span",
            [$"Cpst:UseCases:{UseCase}:Outcome:Combine"] = "authority",
            [$"Cpst:UseCases:{UseCase}:Outcome:PassThreshold"] = "0.8",
        });
        await using var openAi = await FakeOpenAiEndpoint.StartAsync();

        string[] traces = await RunAsync(
            $"--traces-url {new Uri(exporter.HttpAddress, "/v1/traces")} --openai-base-url {openAi.BaseAddress} --tasks {Tasks} --use-case {UseCase} " +
            $"--logs-url {new Uri(exporter.HttpAddress, "/v1/logs")} --evaluation answer_relevance --evaluation-label partially_relevant --evaluation-score 0.6");
        Assert.Equal(Tasks, traces.Length);

        Assert.Equal(2 * Tasks, openAi.Requests); // the tool call, then the answer
        Assert.Equal(Tasks, exporter.Tasks.PendingCount);
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();

        const string success = $"use_case=\"{UseCase}\",outcome=\"success\",model=\"gpt-4o-mini\",environment=\"none\",variant=\"none\"";
        const string failure = $"use_case=\"{UseCase}\",outcome=\"failure\",model=\"gpt-4o-mini\",environment=\"none\",variant=\"none\"";
        const string call = $"use_case=\"{UseCase}\",provider=\"openai\",model=\"gpt-4o-mini\"";
        const string tool = $"use_case=\"{UseCase}\",tool=\"get_weather\"";
        AssertSamples(metrics, new Dictionary<string, decimal>
        {
            ["cpst_received_spans_total{protocol=\"http_protobuf\"}"] = 5 * Tasks, // root, ai.generateText/streamText, 2 model calls, 1 tool call
            ["cpst_pending_tasks"] = 0,
            // Succeeded: the second and third tasks; failed: the first (by its evaluation) and the last (by its root).
            [$"cpst_tasks_total{{{success}}}"] = 2,
            [$"cpst_tasks_total{{{failure}}}"] = 2,
            [$"cpst_task_cost_usd_total{{{success}}}"] = 2 * TaskCost,
            [$"cpst_task_cost_usd_total{{{failure}}}"] = 2 * TaskCost,
            [$"cpst_task_llm_calls_total{{{success}}}"] = 2 * 2,
            [$"cpst_task_llm_calls_total{{{failure}}}"] = 2 * 2,
            [$"cpst_task_tool_calls_total{{{success}}}"] = 2,
            [$"cpst_task_tool_calls_total{{{failure}}}"] = 2,
            [$"cpst_task_tokens_total{{{success},token_type=\"input\"}}"] = 2 * 2 * 1000,
            [$"cpst_task_tokens_total{{{success},token_type=\"output\"}}"] = 2 * 2 * 200,
            [$"cpst_task_tokens_total{{{failure},token_type=\"input\"}}"] = 2 * 2 * 1000,
            [$"cpst_task_tokens_total{{{failure},token_type=\"output\"}}"] = 2 * 2 * 200,
            [$"cpst_llm_calls_total{{{call}}}"] = 2 * Tasks,
            [$"cpst_llm_tokens_total{{{call},token_type=\"input\"}}"] = 2 * Tasks * 1000,
            [$"cpst_llm_tokens_total{{{call},token_type=\"output\"}}"] = 2 * Tasks * 200,
            [$"cpst_llm_tokens_total{{{call},token_type=\"cache_read\"}}"] = 2 * Tasks * 400,
            [$"cpst_llm_tokens_total{{{call},token_type=\"cache_write\"}}"] = 0,
            [$"cpst_llm_tokens_total{{{call},token_type=\"reasoning\"}}"] = 2 * Tasks * 50,
            [$"cpst_llm_cost_usd_total{{{call}}}"] = 2 * Tasks * CallCost,
            [$"cpst_tool_calls_total{{{tool}}}"] = Tasks,
            [$"cpst_tool_cost_usd_total{{{tool}}}"] = Tasks * 0.0025m,
        });
        Assert.Empty(MetricsText.Samples(metrics, "cpst_unpriced_llm_calls_total"));
        // The resource's service.name (agents-host) must not show: the root's cpst.use_case names the use case of every span.
        string[] otherUseCases = metrics.Split('\n').Where(line => line.Contains("use_case=\"", StringComparison.Ordinal)
            && !line.StartsWith('#') && !line.Contains($"use_case=\"{UseCase}\"", StringComparison.Ordinal)).ToArray();
        Assert.True(otherUseCases.Length == 0, $"samples under another use case than {UseCase}:\n{string.Join('\n', otherUseCases)}");
        await new ExpectedOutcomes(UseCase)
            .Task(traces[0], "failure", "evaluation", new ExpectedEvaluation("answer_relevance", "fail", 0.6))
            .Task(traces[1], "success", "span")
            .Task(traces[2], "success", "span")
            .Task(traces[3], "failure", "span")
            .AssertAsync(exporter, metrics);
    }

    private const string TierModel = "gpt-5.4";
    private const string ContractPrompt = "Summarise the attached contract.";
    private const decimal WeatherToolPrice = 0.0025m; // the agent's own tool, priced in the test's copy of the shipped table

    // gpt-5.4 in the shipped src/CpstExporter/pricing.yaml, USD per 1M tokens (input / cache_read / output; reasoning
    // at the output rate): standard 2.50 / 0.25 / 15.00; priority 5.00 / 0.50 / 30.00 (prompts up to 272k);
    // above 272,000 prompt tokens 5.00 / 0.50 / 22.50, and flex there 2.50 / 0.25 / 11.25.
    // A weather call (1000 prompt tokens of which 400 cached, 200 output tokens of which 50 reasoning):
    private const decimal PriorityCall = (600 * 5.00m + 400 * 0.50m + 200 * 30.00m) / 1_000_000;          // 0.0092
    private const decimal StandardCall = (600 * 2.50m + 400 * 0.25m + 200 * 15.00m) / 1_000_000;          // 0.0046
    // A contract call (300,000 prompt tokens of which 100,000 cached, 2,000 output tokens of which 500 reasoning):
    private const decimal LongFlexCall = (200_000 * 2.50m + 100_000 * 0.25m + 2_000 * 11.25m) / 1_000_000; // 0.5475

    /// <summary>
    /// The AI SDK asks OpenAI for a service tier (<c>providerOptions.openai.serviceTier</c>) and the endpoint answers
    /// which tier served each call, but the SDK records neither on its spans. The agent's <c>recordServiceTier</c>
    /// middleware (agent.mjs, <c>--record-service-tier</c>) puts the served tier on each model call's span as
    /// <c>cpst.service_tier</c>, for generateText and streamText alike: each call must be priced by the shipped price
    /// table at that tier, at the long-context rates when its prompt passes the threshold. Without the middleware a
    /// priority call can only be priced as standard. The per-call series, the task series and the task API must agree.
    /// </summary>
    [RequiresNodeClientFact(Client)]
    public async Task ServedServiceTier_RecordedAsCpstServiceTier_PricesEachCallAtIt()
    {
        string pricing = ServedTierExpectations.ShippedTableWithTool(_directory, "get_weather", WeatherToolPrice);
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:PricingFile"] = pricing });
        await using var openAi = await FakeOpenAiEndpoint.StartAsync(
            usage: request => request.UserText == ContractPrompt ? new FakeUsage(300_000, 100_000, 2_000, 500) : FakeUsage.Default);
        string traces = new Uri(exporter.HttpAddress, "/v1/traces").ToString();
        string common = $"--traces-url {traces} --openai-base-url {openAi.BaseAddress} --tasks 2 --use-case {UseCase} --model {TierModel}";

        // Two tasks each (generateText, then streamText, which reports failure); then one task without the middleware.
        string[] priority = await RunAsync($"{common} --service-tier priority --record-service-tier");
        string[] flex = await RunAsync($"{common} --service-tier flex --record-service-tier --prompt \"{ContractPrompt}\"");
        string[] unrecorded = await RunAsync($"--traces-url {traces} --openai-base-url {openAi.BaseAddress} --tasks 1 --use-case {UseCase} " +
            $"--model {TierModel} --service-tier priority");

        // Each task is a tool loop of two model calls, which asked for the tier, and OpenAI served the tier asked for.
        Assert.Equal([.. Enumerable.Repeat("priority", 4), .. Enumerable.Repeat("flex", 4), "priority", "priority"], openAi.Received.Select(r => r.ServiceTier));
        Assert.Equal(5, exporter.Tasks.PendingCount);
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();

        // Per task: priority 2 × 0.0092 + 0.0025 = 0.0209; flex 2 × 0.5475 + 0.0025 = 1.0975; unrecorded 2 × 0.0046 +
        // 0.0025 = 0.0117. Succeeded: one of each (1.1301); failed: the streamText task of priority and of flex (1.1184).
        const decimal priorityTask = 2 * PriorityCall + WeatherToolPrice, flexTask = 2 * LongFlexCall + WeatherToolPrice,
            unrecordedTask = 2 * StandardCall + WeatherToolPrice;
        Assert.Equal(2.2485m, 2 * priorityTask + 2 * flexTask + unrecordedTask);
        new ExpectedSeries()
            .Task(UseCase, "success", TierModel, priorityTask + flexTask + unrecordedTask, llmCalls: 6, toolCalls: 3,
                inputTokens: 2 * 1000 + 2 * 300_000 + 2 * 1000, outputTokens: 2 * 200 + 2 * 2_000 + 2 * 200, tasks: 3)
            .Task(UseCase, "failure", TierModel, priorityTask + flexTask, llmCalls: 4, toolCalls: 2,
                inputTokens: 2 * 1000 + 2 * 300_000, outputTokens: 2 * 200 + 2 * 2_000, tasks: 2)
            .LlmCalls(UseCase, "openai", TierModel, calls: 10, input: 6 * 1000 + 4 * 300_000, output: 6 * 200 + 4 * 2_000,
                cacheRead: 6 * 400 + 4 * 100_000, cacheWrite: 0, reasoning: 6 * 50 + 4 * 500,
                costUsd: 4 * PriorityCall + 4 * LongFlexCall + 2 * StandardCall)
            .ToolCalls(UseCase, "get_weather", calls: 5, costUsd: 5 * WeatherToolPrice)
            .AssertExactly(metrics, "agents-host");
        var expected = new ServedTierExpectations()
            .ByBasis(UseCase, "table", "priority", 4, 4 * PriorityCall)
            .ByBasis(UseCase, "table_long_context", "flex", 4, 4 * LongFlexCall)
            .ByBasis(UseCase, "table", "standard", 2, 2 * StandardCall);
        foreach (string trace in priority)
            expected.Task(trace, priorityTask, CallRow.Llm(TierModel, 2, 2 * PriorityCall, "table", "priority"), CallRow.Tool("get_weather", 1, WeatherToolPrice));
        foreach (string trace in flex)
            expected.Task(trace, flexTask, CallRow.Llm(TierModel, 2, 2 * LongFlexCall, "table_long_context", "flex"), CallRow.Tool("get_weather", 1, WeatherToolPrice));
        foreach (string trace in unrecorded)
            expected.Task(trace, unrecordedTask, CallRow.Llm(TierModel, 2, 2 * StandardCall, "table", "standard"), CallRow.Tool("get_weather", 1, WeatherToolPrice));
        await expected.AssertAsync(exporter, metrics);
    }

    /// <summary>Runs the agent; returns the trace ids of its tasks, in order.</summary>
    private static async Task<string[]> RunAsync(string arguments)
    {
        string output = await NodeClients.RunAsync(Client, "agent.mjs", arguments, TimeSpan.FromSeconds(90));
        string[] traces = Regex.Matches(output, @"^task \d+ trace ([0-9a-f]{32})$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToArray();
        Assert.True(traces.Length > 0, $"agent.mjs printed no trace ids:\n{output}");
        return traces;
    }

    /// <summary>Compares every expected sample and reports all that differ at once, so one run shows the whole picture.</summary>
    private static void AssertSamples(string metrics, Dictionary<string, decimal> expected)
    {
        string[] wrong = expected
            .Select(sample => (sample.Key, Expected: sample.Value, Actual: MetricsText.Value(metrics, sample.Key)))
            .Where(sample => sample.Actual != sample.Expected)
            .Select(sample => $"{sample.Key}: expected {sample.Expected.ToString(CultureInfo.InvariantCulture)}, " +
                $"got {sample.Actual?.ToString(CultureInfo.InvariantCulture) ?? NoSample(metrics, sample.Key)}")
            .ToArray();
        Assert.True(wrong.Length == 0, $"{wrong.Length} of {expected.Count} samples differ:\n{string.Join('\n', wrong)}\n\nscrape:\n{metrics}");
    }

    /// <summary>A missing series, with the samples its metric has instead (another use case, provider or model).</summary>
    private static string NoSample(string metrics, string series)
    {
        string metric = series[..series.IndexOf('{', StringComparison.Ordinal)];
        string[] others = MetricsText.Samples(metrics, metric)
            .Select(sample => $"{{{sample.Labels}}} {sample.Value.ToString(CultureInfo.InvariantCulture)}").ToArray();
        return others.Length == 0 ? "no sample" : $"no sample; {metric} has {string.Join(", ", others)}";
    }
}
