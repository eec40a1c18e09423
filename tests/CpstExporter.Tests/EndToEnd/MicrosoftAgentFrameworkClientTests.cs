using static CpstExporter.Tests.Support.FakeOpenAiPrices;
using System.ClientModel;
using System.Diagnostics;
using System.Text;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenTelemetry.Exporter;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// An agent built on Microsoft Agent Framework (<c>Microsoft.Agents.AI</c>): a <see cref="ChatClientAgent"/> over the
/// OpenAI SDK's chat client with one tool, instrumented with the framework's <c>UseOpenTelemetry()</c> (which also wires
/// the chat client's telemetry), exported by the OpenTelemetry .NET SDK. Each task is the application's root span
/// around one agent run against an OpenAI-compatible endpoint on loopback: the framework's <c>invoke_agent</c> span
/// with the run's summed usage over two <c>chat</c> calls and one <c>execute_tool</c> call. The counters must equal
/// the usage the endpoint reported, priced by the test's table, to the last digit, and the agent's own name must not
/// name the task. An evaluator grades the first task's answer and logs its verdict as a <c>gen_ai.evaluation.result</c>
/// log record with the OpenTelemetry .NET SDK (<see cref="SdkEvaluator"/>), over the same protocol as the spans; the use
/// case's outcome policy lets that verdict overrule what the agent's root span said.
/// </summary>
public sealed class MicrosoftAgentFrameworkClientTests : IDisposable
{
    private const string UseCase = "weather-bot";
    private const string AgentName = "WeatherAgent";
    private const string ServiceName = "agents-host";
    private const string Evaluation = "answer_relevance";

    /// <summary>The evaluator's verdict beats the agent's own outcome; a score under 0.8 fails whatever the label.</summary>
    private static readonly Dictionary<string, string?> Policy = new()
    {
        [$"Cpst:UseCases:{UseCase}:Outcome:Signals:0"] = $"evaluation:{Evaluation}",
        [$"Cpst:UseCases:{UseCase}:Outcome:Signals:1"] = "span",
        [$"Cpst:UseCases:{UseCase}:Outcome:Combine"] = "authority",
        [$"Cpst:UseCases:{UseCase}:Outcome:PassThreshold"] = "0.8",
    };

    // The framework reports every token class of a call (FakeOpenAiPrices.DetailedCall).
    private const decimal CallCost = DetailedCall;             // 0.00033
    private const decimal TaskCost = 2 * CallCost + ToolPrice; // 0.00316

    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-maf-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// The agent says its first task succeeded; the evaluator disagrees (label <c>partially_relevant</c>, score 0.4, under
    /// the use case's threshold of 0.8) and, with the authority policy, decides it: the task fails, by evaluation. The
    /// other two keep the outcomes their root spans gave. Every call and its cost is counted as before; only the
    /// outcome label moves, so CPST divides by the one task the policy calls successful.
    /// </summary>
    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task AgentRun_EvaluatorFailsTheFirstTask_CountsEveryCallAndTheVerdictDecidesItsOutcome(OtlpExportProtocol protocol)
    {
        string pricing = FakeOpenAiPrices.Write(_directory);
        await using var endpoint = await FakeOpenAiEndpoint.StartAsync();
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>(Policy) { ["Cpst:PricingFile"] = pricing });
        string instrumentation = $"maf-{Guid.NewGuid():N}";

        var tasks = new List<string>();
        using (SdkAgent sdk = SdkAgent.Start(exporter, protocol, ServiceName, librarySources: [instrumentation]))
        using (SdkEvaluator evaluator = SdkEvaluator.Start(exporter, protocol, ServiceName))
        {
            AIAgent agent = WeatherAgent(endpoint, instrumentation, out List<string> cities);
            tasks.Add(await RunTaskAsync(sdk, agent, streaming: false, outcome: "success",
                evaluate: answer => evaluator.Send(Evaluation, "partially_relevant", 0.4, $"a {answer.Length}-character answer that names no temperature")));
            tasks.Add(await RunTaskAsync(sdk, agent, streaming: true, outcome: "success"));
            tasks.Add(await RunTaskAsync(sdk, agent, streaming: false, outcome: "failure"));
            Assert.True(sdk.Flush(), "the SDK could not flush its spans to the exporter");
            Assert.True(evaluator.Flush(), "the SDK could not flush the evaluator's log record to the exporter");
            Assert.Equal(["Paris", "Paris", "Paris"], cities);
        }

        Assert.Equal(6, endpoint.Requests); // per task: the tool call, then the answer
        Assert.Equal(3, exporter.Tasks.PendingCount);
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();

        // Per task: the application's root, invoke_agent, two chat spans and one execute_tool span.
        Assert.Equal(3m * 5, MetricsText.Required(metrics, $"cpst_received_spans_total{{protocol=\"{ProtocolLabel(protocol)}\"}}"));
        // Succeeded: the second task only; failed: the first (by its evaluation) and the third (by its root span).
        new ExpectedSeries()
            .Task(UseCase, "success", Model, TaskCost, llmCalls: 2, toolCalls: 1, inputTokens: 2 * 1000, outputTokens: 2 * 200)
            .Task(UseCase, "failure", Model, 2 * TaskCost, llmCalls: 4, toolCalls: 2, inputTokens: 4 * 1000, outputTokens: 4 * 200, tasks: 2)
            .LlmCalls(UseCase, "openai", Model, calls: 6, input: 6 * 1000, output: 6 * 200, cacheRead: 6 * 400, cacheWrite: 0,
                reasoning: 6 * 50, costUsd: 6 * CallCost)
            .ToolCalls(UseCase, FakeOpenAiEndpoint.ToolName, calls: 3, costUsd: 3 * ToolPrice)
            .AssertExactly(metrics, ServiceName, AgentName);
        // The task API: each task's cost and calls, agreeing with the per-call and per-task series.
        var expected = new ServedTierExpectations().ByBasis(UseCase, "table", "standard", 6, 6 * CallCost);
        foreach (string trace in tasks)
            expected.Task(trace, TaskCost, CallRow.Llm(Model, 2, 2 * CallCost, "table", "standard"), CallRow.Tool(FakeOpenAiEndpoint.ToolName, 1, ToolPrice));
        await expected.AssertAsync(exporter, metrics);
        await new ExpectedOutcomes(UseCase)
            .Task(tasks[0], "failure", "evaluation", new ExpectedEvaluation(Evaluation, "fail", 0.4))
            .Task(tasks[1], "success", "span")
            .Task(tasks[2], "failure", "span")
            .AssertAsync(exporter, metrics);
    }

    internal static string ProtocolLabel(OtlpExportProtocol protocol) => protocol == OtlpExportProtocol.Grpc ? "grpc" : "http_protobuf";

    /// <summary>The agent as the framework's documentation builds it: the OpenAI SDK's chat client, a tool, OpenTelemetry on.</summary>
    internal static AIAgent WeatherAgent(FakeOpenAiEndpoint endpoint, string instrumentation, out List<string> cities)
    {
        var asked = new List<string>();
        cities = asked;
        AIFunction getWeather = AIFunctionFactory.Create((string city) =>
        {
            lock (asked) asked.Add(city);
            return $"Sunny in {city}.";
        }, FakeOpenAiEndpoint.ToolName, "Gets the current weather in a city.");
        IChatClient chat = new OpenAIClient(new ApiKeyCredential("test"), new OpenAIClientOptions { Endpoint = endpoint.BaseAddress })
            .GetChatClient(Model)
            .AsIChatClient();
        return new ChatClientAgent(chat, instructions: "You are a weather assistant. Use the get_weather tool.", name: AgentName,
                tools: [getWeather])
            .AsBuilder()
            .UseOpenTelemetry(sourceName: instrumentation, configure: o => o.EnableSensitiveData = false)
            .Build();
    }

    /// <summary>
    /// One task: the application's root span, naming the use case, around one agent run; the outcome is set once the
    /// answer is checked, and then <paramref name="evaluate"/>, if given, grades the answer while the root is current.
    /// Returns the task's trace id.
    /// </summary>
    internal static async Task<string> RunTaskAsync(SdkAgent sdk, AIAgent agent, bool streaming, string outcome, Action<string>? evaluate = null)
    {
        using Activity root = sdk.StartActivity("handle weather request");
        root.SetTag("cpst.use_case", UseCase);
        const string question = "What is the weather in Paris?";
        string answer;
        if (streaming)
        {
            var text = new StringBuilder();
            await foreach (AgentResponseUpdate update in agent.RunStreamingAsync(question)) text.Append(update.Text);
            answer = text.ToString();
        }
        else
        {
            answer = (await agent.RunAsync(question)).Text;
        }
        Assert.Equal(FakeOpenAiEndpoint.FinalText, answer);
        root.SetTag("outcome", outcome);
        evaluate?.Invoke(answer);
        return root.TraceId.ToHexString();
    }
}
