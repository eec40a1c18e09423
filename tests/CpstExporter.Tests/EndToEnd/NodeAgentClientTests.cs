using static CpstExporter.Tests.Support.FakeOpenAiPrices;
using System.Text.RegularExpressions;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Agents that JavaScript teams build, each a program under <c>tests/clients/</c> with its own lock file, instrumented
/// as the library documents and sending its traces with the OpenTelemetry JS SDK's OTLP/HTTP exporter: LangChain.js
/// traced by OpenInference, the <c>openai</c> package traced by OpenTelemetry's own OpenAI instrumentation, and the
/// <c>openai</c> package traced by OpenLLMetry for Node. Each runs three tasks against an OpenAI-compatible endpoint on
/// loopback, each a tool loop of two model calls and one get_weather call (plain, streamed, plain; the last reports
/// failure). The counters and the task API must equal what each library's spans report, priced by the test's table,
/// to the last digit, under the root's use case; what each library reports is in docs/conventions.md. Each agent also
/// sends an evaluator's verdict on its first task (<c>--evaluation</c>, tests/clients/common.mjs), a
/// <c>gen_ai.evaluation.result</c> OTLP log record from the OpenTelemetry JS logs SDK or, from OpenLLMetry's agent, a
/// span event on the root; the use case's policy lets the verdict overrule the root's outcome, and the task API and
/// <c>cpst_outcomes_by_source_total</c> / <c>cpst_evaluations_total</c> must show which signal decided each task.
/// </summary>
public sealed class NodeAgentClientTests : IDisposable
{
    private const string UseCase = "weather-bot";
    private const string ServiceName = "agents-host";
    private const int Tasks = 3;

    /// <summary>The evaluator's verdict named <paramref name="evaluation"/> beats the agent's own outcome.</summary>
    private static Dictionary<string, string?> EvaluationFirst(string evaluation, string? passThreshold = null)
    {
        var policy = new Dictionary<string, string?>
        {
            [$"Cpst:UseCases:{UseCase}:Outcome:Signals:0"] = $"evaluation:{evaluation}",
            [$"Cpst:UseCases:{UseCase}:Outcome:Signals:1"] = "span",
            [$"Cpst:UseCases:{UseCase}:Outcome:Combine"] = "authority",
        };
        if (passThreshold is not null) policy[$"Cpst:UseCases:{UseCase}:Outcome:PassThreshold"] = passThreshold;
        return policy;
    }

    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-node-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// OpenInference's LangChain.js instrumentation: an <c>LLM</c> span per model call with <c>llm.model_name</c> and
    /// every token class (<c>llm.token_count.prompt_details.cache_read</c>, <c>…completion_details.reasoning</c>),
    /// streamed or not, and a <c>TOOL</c> span with <c>tool.name</c>. It names no provider but inside the JSON of
    /// <c>metadata</c> (<c>ls_provider</c>), which is not read: the calls count under provider <c>unknown</c>, priced by
    /// their model. The evaluator fails the first task by its label (<c>fail</c>), which the root called a success: it
    /// fails, by evaluation, and only the second task succeeds.
    /// </summary>
    [RequiresNodeClientFact("langchain")]
    public async Task LangChainJs_OpenInference_CountsEveryCallWithItsCacheAndReasoningTokens()
    {
        var (exporter, metrics, traces) = await RunAsync("langchain", EvaluationFirst("answer_relevance"),
            "--evaluation answer_relevance --evaluation-label fail", logs: true);
        await using (exporter)
        {
            Assert.Equal(4m * Tasks, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"http_protobuf\"}")); // root, 2 LLM, 1 TOOL
            const decimal task = 2 * DetailedCall + ToolPrice; // 0.00316
            new ExpectedSeries()
                .Task(UseCase, "success", Model, task, llmCalls: 2, toolCalls: 1, inputTokens: 2 * 1000, outputTokens: 2 * 200)
                .Task(UseCase, "failure", Model, 2 * task, llmCalls: 4, toolCalls: 2, inputTokens: 4 * 1000, outputTokens: 4 * 200, tasks: 2)
                .LlmCalls(UseCase, "unknown", Model, calls: 6, input: 6 * 1000, output: 6 * 200, cacheRead: 6 * 400, cacheWrite: 0,
                    reasoning: 6 * 50, costUsd: 6 * DetailedCall)
                .ToolCalls(UseCase, FakeOpenAiEndpoint.ToolName, calls: 3, costUsd: 3 * ToolPrice)
                .AssertExactly(metrics, ServiceName);
            await TaskApi(6 * DetailedCall, traces, _ => (2 * DetailedCall, task)).AssertAsync(exporter, metrics);
            await new ExpectedOutcomes(UseCase)
                .Task(traces[0], "failure", "evaluation", new ExpectedEvaluation("answer_relevance", "fail"))
                .Task(traces[1], "success", "span")
                .Task(traces[2], "failure", "span")
                .AssertAsync(exporter, metrics);
        }
    }

    /// <summary>
    /// OpenTelemetry's OpenAI instrumentation (<c>@opentelemetry/instrumentation-openai</c>): a <c>chat {model}</c> span
    /// per completion with <c>gen_ai.operation.name=chat</c>, <c>gen_ai.system=openai</c>, both models and the input and
    /// output tokens, streamed or not, but no cache or reasoning details; the application's own <c>execute_tool</c> span
    /// is the tool call. The evaluator's label for the first task (<c>adequate</c>) is no success spelling, but its
    /// score, 0.85, passes the use case's threshold of 0.8: the task succeeds, by evaluation. Once the agent registers
    /// its logger provider, the instrumentation also logs its own events to it, one per message of each completion and
    /// one for its choice (the <c>event.name</c> attribute: <c>gen_ai.system.message</c>, <c>gen_ai.user.message</c>,
    /// <c>gen_ai.assistant.message</c>, <c>gen_ai.tool.message</c>, <c>gen_ai.choice</c>): accepted, ignored and counted.
    /// </summary>
    [RequiresNodeClientFact("otel-openai")]
    public async Task OpenAiPackage_OpenTelemetryInstrumentation_CountsEveryCallAsItsSpanReportsIt()
    {
        var (exporter, metrics, traces) = await RunAsync("otel-openai", EvaluationFirst("helpfulness", passThreshold: "0.8"),
            "--evaluation helpfulness --evaluation-label adequate --evaluation-score 0.85", logs: true);
        await using (exporter)
        {
            Assert.Equal(4m * Tasks, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"http_protobuf\"}")); // root, 2 chat, 1 tool
            const decimal task = 2 * PlainCall + ToolPrice; // 0.00304
            new ExpectedSeries()
                .Task(UseCase, "success", Model, 2 * task, llmCalls: 4, toolCalls: 2, inputTokens: 4 * 1000, outputTokens: 4 * 200, tasks: 2)
                .Task(UseCase, "failure", Model, task, llmCalls: 2, toolCalls: 1, inputTokens: 2 * 1000, outputTokens: 2 * 200)
                .LlmCalls(UseCase, "openai", Model, calls: 6, input: 6 * 1000, output: 6 * 200, cacheRead: 0, cacheWrite: 0, reasoning: 0,
                    costUsd: 6 * PlainCall)
                .ToolCalls(UseCase, FakeOpenAiEndpoint.ToolName, calls: 3, costUsd: 3 * ToolPrice)
                .AssertExactly(metrics, ServiceName);
            await TaskApi(6 * PlainCall, traces, _ => (2 * PlainCall, task)).AssertAsync(exporter, metrics);
            await new ExpectedOutcomes(UseCase)
                .Task(traces[0], "success", "evaluation", new ExpectedEvaluation("helpfulness", "pass", 0.85))
                .Task(traces[1], "success", "span")
                .Task(traces[2], "failure", "span")
                // Per task: the first completion's system and user messages and choice; the second's system, user,
                // assistant and tool messages and choice.
                .IgnoredLogRecords("not_evaluation", Tasks * (3 + 5))
                .AssertAsync(exporter, metrics);
        }
    }

    /// <summary>
    /// OpenLLMetry for Node (<c>@traceloop/node-server-sdk</c>): a <c>chat {model}</c> span per completion with
    /// <c>gen_ai.operation.name=chat</c>, <c>gen_ai.provider.name=openai</c> and the input and output tokens, but none
    /// for a streamed completion, and no cache or reasoning details; a <c>withTool</c> span
    /// (<c>traceloop.span.kind=tool</c>) per tool call under the <c>withWorkflow</c> root. The streamed task's calls
    /// count without tokens or cost. The evaluator's verdict on the first task (<c>pass</c>, score 0.95) is a
    /// <c>gen_ai.evaluation.result</c> event on the workflow span, sent with the trace: the task succeeds, by evaluation.
    /// </summary>
    [RequiresNodeClientFact("openllmetry")]
    public async Task OpenAiPackage_OpenLlmetry_CountsEveryCallAsItsSpanReportsIt()
    {
        var (exporter, metrics, traces) = await RunAsync("openllmetry", EvaluationFirst("groundedness"),
            "--evaluation groundedness --evaluation-label pass --evaluation-score 0.95", logs: false);
        await using (exporter)
        {
            Assert.Equal(4m * Tasks, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"http_protobuf\"}")); // workflow, 2 chat, 1 tool
            const decimal task = 2 * PlainCall + ToolPrice;  // 0.00304
            const decimal streamed = ToolPrice;              // its calls report no usage
            new ExpectedSeries()
                .Task(UseCase, "success", Model, task + streamed, llmCalls: 4, toolCalls: 2, inputTokens: 2 * 1000, outputTokens: 2 * 200, tasks: 2)
                .Task(UseCase, "failure", Model, task, llmCalls: 2, toolCalls: 1, inputTokens: 2 * 1000, outputTokens: 2 * 200)
                .LlmCalls(UseCase, "openai", Model, calls: 6, input: 4 * 1000, output: 4 * 200, cacheRead: 0, cacheWrite: 0, reasoning: 0,
                    costUsd: 4 * PlainCall)
                .ToolCalls(UseCase, FakeOpenAiEndpoint.ToolName, calls: 3, costUsd: 3 * ToolPrice)
                .AssertExactly(metrics, ServiceName);
            await TaskApi(4 * PlainCall, traces, i => i == 1 ? (0m, streamed) : (2 * PlainCall, task)).AssertAsync(exporter, metrics);
            await new ExpectedOutcomes(UseCase)
                .Task(traces[0], "success", "evaluation", new ExpectedEvaluation("groundedness", "pass", 0.95))
                .Task(traces[1], "success", "span")
                .Task(traces[2], "failure", "span")
                .AssertAsync(exporter, metrics);
        }
    }

    /// <summary>
    /// Runs the client's agent for <see cref="Tasks"/> tasks under the use case's outcome <paramref name="policy"/>, with
    /// the <paramref name="evaluation"/> options (and, with <paramref name="logs"/>, the exporter's <c>/v1/logs</c> as
    /// <c>--logs-url</c>), finishes the tasks and scrapes; returns the exporter, the scrape and the tasks' trace ids in order.
    /// </summary>
    private async Task<(ExporterUnderTest Exporter, string Metrics, string[] Traces)> RunAsync(string client,
        Dictionary<string, string?> policy, string evaluation, bool logs)
    {
        string pricing = FakeOpenAiPrices.Write(_directory);
        ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>(policy) { ["Cpst:PricingFile"] = pricing });
        try
        {
            await using var openAi = await FakeOpenAiEndpoint.StartAsync();
            string logsUrl = logs ? $" --logs-url {new Uri(exporter.HttpAddress, "/v1/logs")}" : "";
            string output = await NodeClients.RunAsync(client, "agent.mjs",
                $"--traces-url {new Uri(exporter.HttpAddress, "/v1/traces")} --openai-base-url {openAi.BaseAddress} --tasks {Tasks} --use-case {UseCase} " +
                $"{evaluation}{logsUrl}",
                TimeSpan.FromSeconds(120));
            string[] traces = Regex.Matches(output, @"^task \d+ trace ([0-9a-f]{32})$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToArray();
            Assert.True(traces.Length == Tasks, $"agent.mjs of {client} printed {traces.Length} trace ids, not {Tasks}:\n{output}");
            Assert.Equal(2 * Tasks, openAi.Requests); // per task: the tool call, then the answer
            Assert.Equal(Tasks, exporter.Tasks.PendingCount);
            exporter.Settle();
            return (exporter, await exporter.ScrapeAsync(), traces);
        }
        catch
        {
            await exporter.DisposeAsync();
            throw;
        }
    }

    /// <summary>The task API's view: per task (by its index) its two calls' cost and its cost with the tool; all calls
    /// priced by the table at the standard tier.</summary>
    private static ServedTierExpectations TaskApi(decimal llmCost, string[] traces, Func<int, (decimal Calls, decimal Task)> cost)
    {
        var expected = new ServedTierExpectations().ByBasis(UseCase, "table", "standard", 2 * Tasks, llmCost);
        for (int i = 0; i < traces.Length; i++)
        {
            var (calls, task) = cost(i);
            expected.Task(traces[i], task, CallRow.Llm(Model, 2, calls, "table", "standard"), CallRow.Tool(FakeOpenAiEndpoint.ToolName, 1, ToolPrice));
        }
        return expected;
    }
}
