using System.ClientModel;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenTelemetry.Exporter;
using ChatCompletionOptions = OpenAI.Chat.ChatCompletionOptions;
using ChatServiceTier = OpenAI.Chat.ChatServiceTier;

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
    /// <c>invoke_agent …</c>; both shapes reach the exporter, with 4 or 5 spans per task. An evaluator grades the first
    /// task's answer <c>irrelevant</c> (no score) and logs its verdict with the OpenTelemetry .NET SDK
    /// (<see cref="SdkEvaluator"/>): the use case sets no outcome policy, and by default an evaluation beats the root's
    /// outcome, so that task fails, by evaluation.
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

        var tasks = new List<(string Answer, string TraceId)>();
        using (SdkAgent agent = SdkAgent.Start(exporter, protocol, ServiceName, librarySources: [instrumentation]))
        using (SdkEvaluator evaluator = SdkEvaluator.Start(exporter, protocol, ServiceName))
        {
            using (IChatClient chat = ChatClient(endpoint, instrumentation))
            {
                tasks.Add(await RunTaskAsync(agent, chat, getWeather, rootName, streaming: false, outcome: "success",
                    evaluate: answer => evaluator.Send("answer_relevance", "irrelevant", score: null, $"a {answer.Length}-character answer that misses the question")));
                tasks.Add(await RunTaskAsync(agent, chat, getWeather, rootName, streaming: true, outcome: "success"));
                tasks.Add(await RunTaskAsync(agent, chat, getWeather, rootName, streaming: false, outcome: "failure"));
            }
            Assert.True(agent.Flush(), "the SDK could not flush its spans to the exporter");
            Assert.True(evaluator.Flush(), "the SDK could not flush the evaluator's log record to the exporter");
        }

        // The client side: every loop called the model twice, ran the tool once and got the final answer.
        Assert.Equal([FakeOpenAiEndpoint.FinalText, FakeOpenAiEndpoint.FinalText, FakeOpenAiEndpoint.FinalText], tasks.Select(t => t.Answer));
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
        // Succeeded: the second task only; failed: the first (by its evaluation) and the third (by its root span).
        var expected = new Dictionary<string, decimal>
        {
            [$"cpst_tasks_total{{{success}}}"] = 1,
            [$"cpst_tasks_total{{{failure}}}"] = 2,
            [$"cpst_task_cost_usd_total{{{success}}}"] = TaskCost,
            [$"cpst_task_cost_usd_total{{{failure}}}"] = 2 * TaskCost,
            [$"cpst_task_llm_calls_total{{{success}}}"] = 2,
            [$"cpst_task_llm_calls_total{{{failure}}}"] = 4,
            [$"cpst_task_tool_calls_total{{{success}}}"] = 1,
            [$"cpst_task_tool_calls_total{{{failure}}}"] = 2,
            [$"cpst_task_tokens_total{{{success},token_type=\"input\"}}"] = 2 * FakeOpenAiEndpoint.PromptTokens,
            [$"cpst_task_tokens_total{{{success},token_type=\"output\"}}"] = 2 * FakeOpenAiEndpoint.CompletionTokens,
            [$"cpst_task_tokens_total{{{failure},token_type=\"input\"}}"] = 2 * 2 * FakeOpenAiEndpoint.PromptTokens,
            [$"cpst_task_tokens_total{{{failure},token_type=\"output\"}}"] = 2 * 2 * FakeOpenAiEndpoint.CompletionTokens,
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
        await new ExpectedOutcomes(UseCase)
            .Task(tasks[0].TraceId, "failure", "evaluation", new ExpectedEvaluation("answer_relevance", "fail"))
            .Task(tasks[1].TraceId, "success", "span")
            .Task(tasks[2].TraceId, "failure", "span")
            .AssertAsync(exporter, metrics);
    }

    private const string TierUseCase = "office-assistant";
    private const string TierModel = "gpt-5.4";
    private const string WeatherPrompt = "What is the weather in Paris?";
    private const string ContractPrompt = "Summarise the attached contract.";

    /// <summary>What the endpoint reports for the contract: a prompt past gpt-5.4's long-context threshold of 272,000 tokens.</summary>
    private static readonly FakeUsage LongContext = new(PromptTokens: 300_000, CachedTokens: 100_000, CompletionTokens: 2_000, ReasoningTokens: 500);

    // gpt-5.4 in the shipped src/CpstExporter/pricing.yaml, USD per 1M tokens (input / cache_read / output; reasoning
    // at the output rate):
    //   standard 2.50 / 0.25 / 15.00; priority 5.00 / 0.50 / 30.00 (published for prompts up to 272k only);
    //   above 272,000 prompt tokens 5.00 / 0.50 / 22.50, and flex there 2.50 / 0.25 / 11.25.
    // A weather call (1000 prompt tokens of which 400 cached, 200 output tokens of which 50 reasoning):
    private const decimal PriorityCall = (600 * 5.00m + 400 * 0.50m + 200 * 30.00m) / 1_000_000;       // 0.0092
    private const decimal StandardCall = (600 * 2.50m + 400 * 0.25m + 200 * 15.00m) / 1_000_000;       // 0.0046
    // A contract call (300,000 prompt tokens of which 100,000 cached, 2,000 output tokens of which 500 reasoning):
    private const decimal LongFlexCall = (200_000 * 2.50m + 100_000 * 0.25m + 2_000 * 11.25m) / 1_000_000; // 0.5475
    // Priority has no published rate above 272k: the long-context standard rates, and the call counted as such.
    private const decimal LongPriorityCall = (200_000 * 5.00m + 100_000 * 0.50m + 2_000 * 22.50m) / 1_000_000; // 1.095
    private const decimal WeatherToolPrice = 0.0025m; // the agent's own tool, priced in the test's copy of the shipped table

    /// <summary>
    /// The OpenAI SDK under Microsoft.Extensions.AI asks for a service tier (<c>ChatCompletionOptions.ServiceTier</c>
    /// through <see cref="ChatOptions.RawRepresentationFactory"/>); the endpoint answers which tier served the call, and
    /// Microsoft.Extensions.AI.OpenAI records that answer on the chat span as <c>openai.response.service_tier</c>. Each
    /// call must be priced by the shipped price table at the tier that served it — not the one asked for — and at the
    /// long-context rates when its prompt passes the threshold; a tier the entry has no rate for there is priced at
    /// the standard long-context rates and counted. The per-call series, the task series and the task API must agree.
    /// </summary>
    [Fact]
    public async Task Export_ServedServiceTiers_EachCallPricedAtTheTierThatServedIt()
    {
        string pricing = ServedTierExpectations.ShippedTableWithTool(_directory, "get_weather", WeatherToolPrice);
        string? served = null; // null: the tier asked for, as OpenAI serves a project entitled to it
        await using var endpoint = await FakeOpenAiEndpoint.StartAsync(
            usage: request => request.UserText == ContractPrompt ? LongContext : FakeUsage.Default,
            servedTier: request => served ?? FakeOpenAiEndpoint.DefaultServedTier(request));
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:PricingFile"] = pricing });
        AIFunction getWeather = AIFunctionFactory.Create((string city) => $"Sunny in {city}.", "get_weather", "Gets the current weather in a city.");
        string instrumentation = $"meai-{Guid.NewGuid():N}";

        string priority, refused, longFlex, longPriority;
        using (SdkAgent agent = SdkAgent.Start(exporter, OtlpExportProtocol.Grpc, ServiceName, librarySources: [instrumentation]))
        {
            using (IChatClient chat = ChatClient(endpoint, instrumentation, TierModel))
            {
                priority = await RunTierTaskAsync(agent, chat, WeatherPrompt, "priority", getWeather, streaming: false);
                served = "default"; // past the priority ramp rate limit, OpenAI serves priority requests at the standard tier
                refused = await RunTierTaskAsync(agent, chat, WeatherPrompt, "priority", getWeather, streaming: true);
                served = null;
                longFlex = await RunTierTaskAsync(agent, chat, ContractPrompt, "flex", tool: null, streaming: false);
                longPriority = await RunTierTaskAsync(agent, chat, ContractPrompt, "priority", tool: null, streaming: true);
            }
            Assert.True(agent.Flush(), "the SDK could not flush its spans to the exporter");
        }

        // The client asked for the tiers: two tool loops of two calls, then one call per contract.
        Assert.Equal(["priority", "priority", "priority", "priority", "flex", "priority"], endpoint.Received.Select(r => r.ServiceTier));
        Assert.Equal(4, exporter.Tasks.PendingCount);
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();

        // priority: 2 × 0.0092 + 0.0025 = 0.0209; refused: 2 × 0.0046 + 0.0025 = 0.0117; 0.5475; 1.095. In all 1.6751,
        // of which 1.6701 for 6 calls: 4 weather calls (4000 input, 1600 cached, 800 output, 200 reasoning tokens) and
        // 2 contract calls (600,000 input, 200,000 cached, 4,000 output, 1,000 reasoning tokens).
        const decimal llmCost = 2 * PriorityCall + 2 * StandardCall + LongFlexCall + LongPriorityCall;
        Assert.Equal(1.6701m, llmCost);
        new ExpectedSeries()
            .Task(TierUseCase, "success", TierModel, llmCost + 2 * WeatherToolPrice, llmCalls: 6, toolCalls: 2,
                inputTokens: 4 * 1000 + 2 * 300_000, outputTokens: 4 * 200 + 2 * 2_000, tasks: 4)
            .LlmCalls(TierUseCase, "openai", TierModel, calls: 6, input: 4 * 1000 + 2 * 300_000, output: 4 * 200 + 2 * 2_000,
                cacheRead: 4 * 400 + 2 * 100_000, cacheWrite: 0, reasoning: 4 * 50 + 2 * 500, costUsd: llmCost)
            .ToolCalls(TierUseCase, "get_weather", calls: 2, costUsd: 2 * WeatherToolPrice)
            .AssertExactly(metrics, ServiceName);
        await new ServedTierExpectations()
            .ByBasis(TierUseCase, "table", "priority", 2, 2 * PriorityCall)
            .ByBasis(TierUseCase, "table", "standard", 2, 2 * StandardCall)
            .ByBasis(TierUseCase, "table_long_context", "flex", 1, LongFlexCall)
            .ByBasis(TierUseCase, "table_long_context", "priority", 1, LongPriorityCall)
            .UnpricedServiceTier(TierModel, "priority", 1)
            .Task(priority, 2 * PriorityCall + WeatherToolPrice,
                CallRow.Llm(TierModel, 2, 2 * PriorityCall, "table", "priority"), CallRow.Tool("get_weather", 1, WeatherToolPrice))
            .Task(refused, 2 * StandardCall + WeatherToolPrice,
                CallRow.Llm(TierModel, 2, 2 * StandardCall, "table", "standard"), CallRow.Tool("get_weather", 1, WeatherToolPrice))
            .Task(longFlex, LongFlexCall, CallRow.Llm(TierModel, 1, LongFlexCall, "table_long_context", "flex"))
            .Task(longPriority, LongPriorityCall, CallRow.Llm(TierModel, 1, LongPriorityCall, "table_long_context", "priority"))
            .AssertAsync(exporter, metrics);
    }

    /// <summary>One task asking for <paramref name="serviceTier"/>: the agent's root around one response (a tool loop
    /// when a tool is offered); returns the task's trace id.</summary>
    private static async Task<string> RunTierTaskAsync(SdkAgent agent, IChatClient chat, string prompt, string serviceTier, AIFunction? tool,
        bool streaming)
    {
        using Activity root = agent.StartActivity($"invoke_agent {TierUseCase}");
        root.SetTag("cpst.use_case", TierUseCase);
        var options = new ChatOptions
        {
            Tools = tool is null ? null : [tool],
            // The OpenAI SDK marks its service tier options as evaluation-only (OPENAI001).
#pragma warning disable OPENAI001
            RawRepresentationFactory = _ => new ChatCompletionOptions { ServiceTier = new ChatServiceTier(serviceTier) },
#pragma warning restore OPENAI001
        };
        string answer;
        if (streaming)
        {
            var text = new StringBuilder();
            await foreach (ChatResponseUpdate update in chat.GetStreamingResponseAsync(prompt, options)) text.Append(update.Text);
            answer = text.ToString();
        }
        else
        {
            answer = (await chat.GetResponseAsync(prompt, options)).Text;
        }
        Assert.Equal(FakeOpenAiEndpoint.FinalText, answer);
        root.SetTag("outcome", "success");
        return root.TraceId.ToHexString();
    }

    /// <summary>The OpenAI SDK's chat client as an <see cref="IChatClient"/>, calling functions itself and instrumented as the library documents.</summary>
    private static IChatClient ChatClient(FakeOpenAiEndpoint endpoint, string instrumentation, string model = Model) =>
        new OpenAIClient(new ApiKeyCredential("test"), new OpenAIClientOptions { Endpoint = endpoint.BaseAddress })
            .GetChatClient(model)
            .AsIChatClient()
            .AsBuilder()
            .UseFunctionInvocation()
            .UseOpenTelemetry(sourceName: instrumentation, configure: c => c.EnableSensitiveData = false)
            .Build();

    /// <summary>
    /// One task: the agent's own root span, which names the use case and the outcome, around one tool loop; then
    /// <paramref name="evaluate"/>, if given, grades the answer while the root is current. Returns the answer and the
    /// task's trace id.
    /// </summary>
    private static async Task<(string Answer, string TraceId)> RunTaskAsync(SdkAgent agent, IChatClient chat, AIFunction tool, string rootName,
        bool streaming, string outcome, Action<string>? evaluate = null)
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
        evaluate?.Invoke(answer);
        return (answer, root.TraceId.ToHexString());
    }
}
