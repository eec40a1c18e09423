using System.ClientModel;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenTelemetry.Exporter;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// An agent as a .NET team builds it on Microsoft.Extensions.AI: the OpenAI SDK's chat client, automatic function
/// invocation and the library's own OpenTelemetry instrumentation, exported by the OpenTelemetry .NET SDK. Each task is a
/// tool loop against an OpenAI-compatible endpoint on loopback (two chat calls, one tool call); the counters must equal
/// the usage the endpoint reported, priced by the test's table, to the last digit.
/// </summary>
public sealed class MicrosoftExtensionsAiClientTests : IDisposable
{
    private const string UseCase = "weather-bot";
    // The host's service name is not the use case: one process can host several agents, so the root says which.
    private const string ServiceName = "agents-host";
    private const string Model = "gpt-4o-mini";

    // USD per 1M tokens, a different rate for each token class, so that pricing a class at another's rate, or a
    // subset (cache reads, reasoning) on top of its total, gives another sum.
    private const decimal InputRate = 0.25m;
    private const decimal CacheReadRate = 0.025m;
    private const decimal OutputRate = 2.00m;
    private const decimal ReasoningRate = 8.00m;
    private const decimal ToolPrice = 0.005m;

    private const int UncachedInput = FakeOpenAiEndpoint.PromptTokens - FakeOpenAiEndpoint.CachedTokens;     // 600
    private const int NonReasoningOutput = FakeOpenAiEndpoint.CompletionTokens - FakeOpenAiEndpoint.ReasoningTokens; // 150
    // 600 × 0.25 + 400 × 0.025 + 150 × 2 + 50 × 8 = 860 per 1M tokens.
    private const decimal CallCost = (UncachedInput * InputRate + FakeOpenAiEndpoint.CachedTokens * CacheReadRate
        + NonReasoningOutput * OutputRate + FakeOpenAiEndpoint.ReasoningTokens * ReasoningRate) / 1_000_000; // 0.00086
    private const decimal TaskCost = 2 * CallCost + ToolPrice; // 0.00672

    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-meai-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// Microsoft.Extensions.AI's function invocation puts an <c>orchestrate_tools</c> span, carrying the loop's summed
    /// usage, between the caller's span and the chat and tool spans, unless the caller's span is named
    /// <c>invoke_agent …</c>; both shapes reach the exporter, with 4 or 5 spans per task.
    /// </summary>
    public static TheoryData<OtlpExportProtocol, string, string, int> Agents => new()
    {
        { OtlpExportProtocol.Grpc, "grpc", "invoke_agent weather-bot", 4 },
        { OtlpExportProtocol.HttpProtobuf, "http_protobuf", "invoke_agent weather-bot", 4 },
        { OtlpExportProtocol.Grpc, "grpc", "handle weather request", 5 },
        { OtlpExportProtocol.HttpProtobuf, "http_protobuf", "handle weather request", 5 },
    };

    [Theory]
    [MemberData(nameof(Agents))]
    public async Task Export_ToolLoopTasks_CountsTwoLlmCallsAndOneToolCallPerTask(OtlpExportProtocol protocol, string protocolLabel,
        string rootName, int spansPerTask)
    {
        string pricing = Path.Combine(_directory, "pricing.yaml");
        File.WriteAllText(pricing, $"""
            models:
              - name: {Model}
                input: {InputRate}
                output: {OutputRate}
                cache_read: {CacheReadRate}
                reasoning: {ReasoningRate}
            tools:
              - name: get_weather
                per_call: {ToolPrice}
            """);
        await using var endpoint = await FakeOpenAiEndpoint.StartAsync();
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:PricingFile"] = pricing });
        var cities = new List<string>();
        AIFunction getWeather = AIFunctionFactory.Create((string city) =>
        {
            cities.Add(city);
            return $"Sunny in {city}.";
        }, "get_weather", "Gets the current weather in a city.");
        string instrumentation = $"meai-{Guid.NewGuid():N}";

        var answers = new List<string>();
        using (SdkAgent agent = SdkAgent.Start(exporter, protocol, ServiceName, librarySources: [instrumentation]))
        {
            using (IChatClient chat = ChatClient(endpoint, instrumentation))
            {
                answers.Add(await RunTaskAsync(agent, chat, getWeather, rootName, streaming: false, outcome: "success"));
                answers.Add(await RunTaskAsync(agent, chat, getWeather, rootName, streaming: true, outcome: "success"));
                answers.Add(await RunTaskAsync(agent, chat, getWeather, rootName, streaming: false, outcome: "failure"));
            }
            Assert.True(agent.Flush(), "the SDK could not flush its spans to the exporter");
        }

        // The client side: every loop called the model twice, ran the tool once and got the final answer.
        Assert.Equal([FakeOpenAiEndpoint.FinalText, FakeOpenAiEndpoint.FinalText, FakeOpenAiEndpoint.FinalText], answers);
        Assert.Equal(["Paris", "Paris", "Paris"], cities);
        Assert.Equal(6, endpoint.Requests);
        Assert.Equal(3, exporter.Tasks.PendingCount);
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(3m * spansPerTask, MetricsText.Required(metrics, $"cpst_received_spans_total{{protocol=\"{protocolLabel}\"}}"));
        Assert.Equal(0m, MetricsText.Required(metrics, "cpst_pending_tasks"));
        Assert.Equal(3m, MetricsText.Sum(metrics, "cpst_tasks_total"));

        const string success = $"use_case=\"{UseCase}\",outcome=\"success\",model=\"{Model}\",environment=\"none\",variant=\"none\"";
        const string failure = $"use_case=\"{UseCase}\",outcome=\"failure\",model=\"{Model}\",environment=\"none\",variant=\"none\"";
        const string call = $"use_case=\"{UseCase}\",provider=\"openai\",model=\"{Model}\"";
        const string tool = $"use_case=\"{UseCase}\",tool=\"get_weather\"";
        var expected = new Dictionary<string, decimal>
        {
            [$"cpst_tasks_total{{{success}}}"] = 2,
            [$"cpst_tasks_total{{{failure}}}"] = 1,
            [$"cpst_task_cost_usd_total{{{success}}}"] = 2 * TaskCost,
            [$"cpst_task_cost_usd_total{{{failure}}}"] = TaskCost,
            [$"cpst_task_llm_calls_total{{{success}}}"] = 4,
            [$"cpst_task_llm_calls_total{{{failure}}}"] = 2,
            [$"cpst_task_tool_calls_total{{{success}}}"] = 2,
            [$"cpst_task_tool_calls_total{{{failure}}}"] = 1,
            [$"cpst_task_tokens_total{{{success},token_type=\"input\"}}"] = 2 * 2 * FakeOpenAiEndpoint.PromptTokens,
            [$"cpst_task_tokens_total{{{success},token_type=\"output\"}}"] = 2 * 2 * FakeOpenAiEndpoint.CompletionTokens,
            [$"cpst_task_tokens_total{{{failure},token_type=\"input\"}}"] = 2 * FakeOpenAiEndpoint.PromptTokens,
            [$"cpst_task_tokens_total{{{failure},token_type=\"output\"}}"] = 2 * FakeOpenAiEndpoint.CompletionTokens,
            [$"cpst_llm_calls_total{{{call}}}"] = 6,
            [$"cpst_llm_tokens_total{{{call},token_type=\"input\"}}"] = 6 * FakeOpenAiEndpoint.PromptTokens,
            [$"cpst_llm_tokens_total{{{call},token_type=\"output\"}}"] = 6 * FakeOpenAiEndpoint.CompletionTokens,
            [$"cpst_llm_tokens_total{{{call},token_type=\"cache_read\"}}"] = 6 * FakeOpenAiEndpoint.CachedTokens,
            [$"cpst_llm_tokens_total{{{call},token_type=\"cache_write\"}}"] = 0,
            [$"cpst_llm_tokens_total{{{call},token_type=\"reasoning\"}}"] = 6 * FakeOpenAiEndpoint.ReasoningTokens,
            [$"cpst_llm_cost_usd_total{{{call}}}"] = 6 * CallCost,
            [$"cpst_tool_calls_total{{{tool}}}"] = 3,
            [$"cpst_tool_cost_usd_total{{{tool}}}"] = 3 * ToolPrice,
        };
        // Every series is checked before the test fails, so that a miscounted call shows with the costs it moved.
        List<string> wrong = expected
            .Select(e => (Series: e.Key, Expected: e.Value, Actual: MetricsText.Value(metrics, e.Key)))
            .Where(e => e.Actual != e.Expected)
            .Select(e => $"{e.Series}: expected {e.Expected}, got {e.Actual?.ToString() ?? "no sample"}")
            .ToList();
        wrong.AddRange(MetricsText.Samples(metrics, "cpst_unpriced_llm_calls_total").Select(s => $"cpst_unpriced_llm_calls_total{{{s.Labels}}}: expected no sample, got {s.Value}"));
        wrong.AddRange(metrics.Split('\n').Where(l => l.Contains($"use_case=\"{ServiceName}\"", StringComparison.Ordinal)).Select(l => $"the service name as use case: {l}"));
        Assert.True(wrong.Count == 0, $"{wrong.Count} series wrong:\n{string.Join('\n', wrong)}\n\n{metrics}");
    }

    /// <summary>The OpenAI SDK's chat client as an <see cref="IChatClient"/>, calling functions itself and instrumented as the library documents.</summary>
    private static IChatClient ChatClient(FakeOpenAiEndpoint endpoint, string instrumentation) =>
        new OpenAIClient(new ApiKeyCredential("test"), new OpenAIClientOptions { Endpoint = endpoint.BaseAddress })
            .GetChatClient(Model)
            .AsIChatClient()
            .AsBuilder()
            .UseFunctionInvocation()
            .UseOpenTelemetry(sourceName: instrumentation, configure: c => c.EnableSensitiveData = false)
            .Build();

    /// <summary>One task: the agent's own root span, which names the use case and the outcome, around one tool loop.</summary>
    private static async Task<string> RunTaskAsync(SdkAgent agent, IChatClient chat, AIFunction tool, string rootName, bool streaming, string outcome)
    {
        using Activity root = agent.StartActivity(rootName);
        root.SetTag("cpst.use_case", UseCase);
        List<ChatMessage> messages = [new(ChatRole.User, "What is the weather in Paris?")];
        var options = new ChatOptions { Tools = [tool] };
        string answer;
        if (streaming)
        {
            var text = new StringBuilder();
            await foreach (ChatResponseUpdate update in chat.GetStreamingResponseAsync(messages, options)) text.Append(update.Text);
            answer = text.ToString();
        }
        else
        {
            answer = (await chat.GetResponseAsync(messages, options)).Text;
        }
        root.SetTag("outcome", outcome);
        return answer;
    }
}
