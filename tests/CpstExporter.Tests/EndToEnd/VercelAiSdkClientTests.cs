using System.Globalization;

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

    [RequiresNodeClientFact(Client)]
    public async Task ToolLoop_GenerateTextAndStreamText_CountsEachModelCallOnceAtExactCost()
    {
        string pricing = Path.Combine(_directory, "pricing.yaml");
        File.WriteAllText(pricing, PriceTable);
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:PricingFile"] = pricing });
        await using var openAi = await FakeOpenAiEndpoint.StartAsync();

        await NodeClients.RunAsync(Client, "agent.mjs",
            $"--traces-url {new Uri(exporter.HttpAddress, "/v1/traces")} --openai-base-url {openAi.BaseAddress} --tasks {Tasks} --use-case {UseCase}",
            TimeSpan.FromSeconds(90));

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
            [$"cpst_tasks_total{{{success}}}"] = 3,
            [$"cpst_tasks_total{{{failure}}}"] = 1,
            [$"cpst_task_cost_usd_total{{{success}}}"] = 3 * TaskCost,
            [$"cpst_task_cost_usd_total{{{failure}}}"] = TaskCost,
            [$"cpst_task_llm_calls_total{{{success}}}"] = 3 * 2,
            [$"cpst_task_llm_calls_total{{{failure}}}"] = 2,
            [$"cpst_task_tool_calls_total{{{success}}}"] = 3,
            [$"cpst_task_tool_calls_total{{{failure}}}"] = 1,
            [$"cpst_task_tokens_total{{{success},token_type=\"input\"}}"] = 3 * 2 * 1000,
            [$"cpst_task_tokens_total{{{success},token_type=\"output\"}}"] = 3 * 2 * 200,
            [$"cpst_task_tokens_total{{{failure},token_type=\"input\"}}"] = 2 * 1000,
            [$"cpst_task_tokens_total{{{failure},token_type=\"output\"}}"] = 2 * 200,
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
