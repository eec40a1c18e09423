using static CpstExporter.Tests.Support.FakeOpenAiPrices;
using System.Diagnostics;
using System.Text;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenTelemetry.Exporter;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// An agent built on Semantic Kernel: a kernel with the OpenAI chat completion connector and one plugin function,
/// called automatically (<see cref="FunctionChoiceBehavior.Auto"/>), with the kernel's OpenTelemetry activity sources
/// switched on as its documentation says (the <c>Microsoft.SemanticKernel.Experimental.GenAI.EnableOTelDiagnostics</c>
/// switch, sensitive data off) and exported by the OpenTelemetry .NET SDK. Each task is the application's root span
/// around one chat completion with the tool loop against an OpenAI-compatible endpoint on loopback. The counters must
/// equal what the kernel's spans report, priced by the test's table, to the last digit. An evaluator grades the first
/// task's answer and logs its verdict as a <c>gen_ai.evaluation.result</c> log record with the OpenTelemetry .NET SDK
/// (<see cref="SdkEvaluator"/>), over the same protocol as the spans; the use case's outcome policy asks for it.
/// </summary>
/// <remarks>
/// What Semantic Kernel 1.82 reports is less than what the endpoint served (docs/conventions.md, "Semantic Kernel"):
/// its <c>chat</c> spans carry the input and output tokens but no cache reads or reasoning tokens, so a call's cached
/// input is priced at the input rate; and a streamed completion's spans carry no usage at all, so its calls count
/// with no tokens and no cost. The test pins both: a change in the kernel's telemetry shows here.
/// </remarks>
public sealed class SemanticKernelClientTests : IDisposable
{
    private const string UseCase = "weather-bot";
    private const string ServiceName = "agents-host";
    private const string Evaluation = "groundedness";

    /// <summary>
    /// A task succeeds only when the agent says so and the evaluator passes it; a label that is not a success spelling
    /// passes with a score of at least 0.8.
    /// </summary>
    private static readonly Dictionary<string, string?> Policy = new()
    {
        [$"Cpst:UseCases:{UseCase}:Outcome:Signals:0"] = "span",
        [$"Cpst:UseCases:{UseCase}:Outcome:Signals:1"] = $"evaluation:{Evaluation}",
        [$"Cpst:UseCases:{UseCase}:Outcome:Combine"] = "all",
        [$"Cpst:UseCases:{UseCase}:Outcome:PassThreshold"] = "0.8",
    };
    /// <summary>The kernel's activity sources: <c>Microsoft.SemanticKernel.Diagnostics</c> and the connectors'.</summary>
    private const string KernelSources = "Microsoft.SemanticKernel*";

    // The kernel reports only a call's input and output totals (FakeOpenAiPrices.PlainCall).
    private const decimal CallCost = PlainCall;                                         // 0.00027
    private const decimal TaskCost = 2 * CallCost + ToolPrice;                          // 0.00304
    // Streamed, the kernel's spans report no usage: only the tool is priced.
    private const decimal StreamedTaskCost = ToolPrice;                                 // 0.0025

    static SemanticKernelClientTests()
    {
        // As Semantic Kernel's documentation switches its telemetry on; read once by the kernel, so before it is first used.
        AppContext.SetSwitch("Microsoft.SemanticKernel.Experimental.GenAI.EnableOTelDiagnostics", true);
        AppContext.SetSwitch("Microsoft.SemanticKernel.Experimental.GenAI.EnableOTelDiagnosticsSensitive", false);
    }

    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-sk-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// Only the first task is evaluated: its label (<c>mostly_grounded</c>) is no success spelling but its score, 0.9,
    /// passes the threshold, and with its root span's success the task succeeds, decided by the evaluation (the last
    /// signal to pass). The third fails at once by its root span. The second says success but is never evaluated: it
    /// waits for the verdict until the outcome window ends and finishes <c>unknown</c>. Every call and its cost is
    /// counted as before; CPST divides by the one task both signals passed.
    /// </summary>
    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task ChatWithAutoFunctionCalling_OnlyTheEvaluatedTaskSucceeds_EveryCallCounted(OtlpExportProtocol protocol)
    {
        string pricing = FakeOpenAiPrices.Write(_directory);
        await using var endpoint = await FakeOpenAiEndpoint.StartAsync();
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>(Policy) { ["Cpst:PricingFile"] = pricing });

        var tasks = new List<string>();
        using (SdkAgent sdk = SdkAgent.Start(exporter, protocol, ServiceName, librarySources: [KernelSources]))
        using (SdkEvaluator evaluator = SdkEvaluator.Start(exporter, protocol, ServiceName))
        {
            Kernel kernel = WeatherKernel(endpoint, out List<string> cities);
            tasks.Add(await RunTaskAsync(sdk, kernel, streaming: false, outcome: "success",
                evaluate: answer => evaluator.Send(Evaluation, "mostly_grounded", 0.9, $"a {answer.Length}-character answer, grounded in the tool's result")));
            tasks.Add(await RunTaskAsync(sdk, kernel, streaming: true, outcome: "success"));
            tasks.Add(await RunTaskAsync(sdk, kernel, streaming: false, outcome: "failure"));
            Assert.True(sdk.Flush(), "the SDK could not flush its spans to the exporter");
            Assert.True(evaluator.Flush(), "the SDK could not flush the evaluator's log record to the exporter");
            Assert.Equal(["Paris", "Paris", "Paris"], cities);
        }

        Assert.Equal(6, endpoint.Requests);
        Assert.Equal(3, exporter.Tasks.PendingCount);
        exporter.Settle();
        // The second task still waits for its evaluation, until the outcome window (900 s by default) ends.
        Assert.Equal(1, exporter.Tasks.PendingCount);
        exporter.Settle(900);
        Assert.Equal(0, exporter.Tasks.PendingCount);
        string metrics = await exporter.ScrapeAsync();

        // Per task: the application's root, two chat spans and one execute_tool span.
        Assert.Equal(3m * 4, MetricsText.Required(metrics, $"cpst_received_spans_total{{protocol=\"{MicrosoftAgentFrameworkClientTests.ProtocolLabel(protocol)}\"}}"));
        // Succeeded: the first task (2 calls of 1000 + 200 tokens); unknown: the streamed one (2 calls without usage).
        new ExpectedSeries()
            .Task(UseCase, "success", Model, TaskCost, llmCalls: 2, toolCalls: 1, inputTokens: 2 * 1000, outputTokens: 2 * 200)
            .Task(UseCase, "unknown", Model, StreamedTaskCost, llmCalls: 2, toolCalls: 1, inputTokens: 0, outputTokens: 0)
            .Task(UseCase, "failure", Model, TaskCost, llmCalls: 2, toolCalls: 1, inputTokens: 2 * 1000, outputTokens: 2 * 200)
            .LlmCalls(UseCase, "openai", Model, calls: 6, input: 4 * 1000, output: 4 * 200, cacheRead: 0, cacheWrite: 0, reasoning: 0,
                costUsd: 4 * CallCost)
            .ToolCalls(UseCase, FakeOpenAiEndpoint.ToolName, calls: 3, costUsd: 3 * ToolPrice)
            .AssertExactly(metrics, ServiceName);
        var expected = new ServedTierExpectations().ByBasis(UseCase, "table", "standard", 6, 4 * CallCost);
        expected.Task(tasks[0], TaskCost, CallRow.Llm(Model, 2, 2 * CallCost, "table", "standard"), CallRow.Tool(FakeOpenAiEndpoint.ToolName, 1, ToolPrice));
        expected.Task(tasks[1], StreamedTaskCost, CallRow.Llm(Model, 2, 0m, "table", "standard"), CallRow.Tool(FakeOpenAiEndpoint.ToolName, 1, ToolPrice));
        expected.Task(tasks[2], TaskCost, CallRow.Llm(Model, 2, 2 * CallCost, "table", "standard"), CallRow.Tool(FakeOpenAiEndpoint.ToolName, 1, ToolPrice));
        await expected.AssertAsync(exporter, metrics);
        await new ExpectedOutcomes(UseCase)
            .Task(tasks[0], "success", "evaluation", new ExpectedEvaluation(Evaluation, "pass", 0.9))
            .Task(tasks[1], "unknown", "window")
            .Task(tasks[2], "failure", "span")
            .AssertAsync(exporter, metrics);
    }

    /// <summary>A kernel with the OpenAI connector on the endpoint and one plugin whose function is the tool.</summary>
    internal static Kernel WeatherKernel(FakeOpenAiEndpoint endpoint, out List<string> cities)
    {
        var asked = new List<string>();
        cities = asked;
        IKernelBuilder builder = Kernel.CreateBuilder();
#pragma warning disable SKEXP0010 // the endpoint overload, for OpenAI-compatible services
        builder.AddOpenAIChatCompletion(Model, endpoint.BaseAddress, apiKey: "test");
#pragma warning restore SKEXP0010
        builder.Plugins.AddFromFunctions("weather",
        [
            KernelFunctionFactory.CreateFromMethod((string city) =>
            {
                lock (asked) asked.Add(city);
                return $"Sunny in {city}.";
            }, FakeOpenAiEndpoint.ToolName, "Gets the current weather in a city."),
        ]);
        return builder.Build();
    }

    /// <summary>
    /// One task: the application's root span, naming the use case, around one chat completion that calls the tool;
    /// the outcome is set once the answer is checked, and then <paramref name="evaluate"/>, if given, grades the answer
    /// while the root is current. Returns the task's trace id.
    /// </summary>
    internal static async Task<string> RunTaskAsync(SdkAgent sdk, Kernel kernel, bool streaming, string outcome, Action<string>? evaluate = null)
    {
        using Activity root = sdk.StartActivity("handle weather request");
        root.SetTag("cpst.use_case", UseCase);
        var chat = kernel.GetRequiredService<IChatCompletionService>();
        var history = new ChatHistory("You are a weather assistant. Use the get_weather tool.");
        history.AddUserMessage("What is the weather in Paris?");
        var settings = new OpenAIPromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
        string answer;
        if (streaming)
        {
            var text = new StringBuilder();
            await foreach (StreamingChatMessageContent update in chat.GetStreamingChatMessageContentsAsync(history, settings, kernel))
                text.Append(update.Content);
            answer = text.ToString();
        }
        else
        {
            answer = (await chat.GetChatMessageContentAsync(history, settings, kernel)).Content ?? "";
        }
        Assert.Equal(FakeOpenAiEndpoint.FinalText, answer);
        root.SetTag("outcome", outcome);
        evaluate?.Invoke(answer);
        return root.TraceId.ToHexString();
    }
}
