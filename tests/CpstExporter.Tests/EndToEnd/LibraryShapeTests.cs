using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;
using static CpstExporter.Tests.Support.Spans;
using SpanKind = CpstExporter.Receiving.Otlp.Span.Types.SpanKind;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// The span shapes that instrumentation libraries really emit, posted as OTLP/JSON to the running service in the order
/// and batches each library's SDK exports them (children end first, so they come first, usually in an earlier request
/// than the root).
/// Each library nests its calls differently: a span that sums its children's usage (<c>orchestrate_tools</c>,
/// <c>ai.generateText</c>, <c>invoke_agent</c>, a traceloop workflow, an OpenInference CHAIN), a framework's LLM span over
/// the provider's, a tool span known only by its name. Every call must count exactly once, each token in its own class,
/// at the test's prices to the last digit, in the task families and the per-call families alike, under the task's use case.
/// </summary>
public sealed class LibraryShapeTests : IDisposable
{
    private const string UseCase = "weather-bot";
    // The host's service name is not the use case: no series may carry it.
    private const string ServiceName = "agents-host";
    private const string Gpt = "gpt-4o-mini";
    private const string Claude = "claude-sonnet-4-5";
    private const string ClaudeDated = "claude-sonnet-4-5-20250929";
    private const string Weather = "get_weather";

    // USD per 1M tokens, a different rate for every token class, so that a token priced in another class, or a subset
    // (cache reads and writes, reasoning) priced on top of its total, gives another sum. Kept in step with PriceTable.
    private const decimal GptInput = 0.25m, GptCacheRead = 0.025m, GptCacheWrite = 0.50m, GptOutput = 2.00m, GptReasoning = 8.00m;
    private const decimal ClaudeInput = 3.00m, ClaudeCacheRead = 0.30m, ClaudeCacheWrite = 3.75m, ClaudeOutput = 15.00m, ClaudeReasoning = 24.00m;
    private const decimal WeatherPrice = 0.005m;

    private const string PriceTable = """
        models:
          - name: gpt-4o-mini
            input: 0.25
            output: 2.00
            cache_read: 0.025
            cache_write: 0.50
            reasoning: 8.00
          - name: claude-sonnet-4-5
            pattern: '^claude-sonnet-4-5(-\d{8})?$'
            input: 3.00
            output: 15.00
            cache_read: 0.30
            cache_write: 3.75
            reasoning: 24.00
        tools:
          - name: get_weather
            per_call: 0.005
        """;

    // Every OpenAI call: 1000 input tokens of which 400 cache reads, 200 output tokens of which 50 reasoning.
    private const long Input = 1000, CacheRead = 400, Output = 200, Reasoning = 50;
    // 600 × 0.25 + 400 × 0.025 + 150 × 2 + 50 × 8 = 860 per 1M tokens.
    private const decimal GptCall = ((Input - CacheRead) * GptInput + CacheRead * GptCacheRead
        + (Output - Reasoning) * GptOutput + Reasoning * GptReasoning) / 1_000_000; // 0.00086
    // A tool loop: the call that asks for the tool, the tool call, the call that answers.
    private const decimal ToolLoopCost = 2 * GptCall + WeatherPrice; // 0.00672

    private static readonly HttpClient Http = new();

    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-shapes-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // ------------------------------------------------------------------ Microsoft.Extensions.AI

    /// <summary>
    /// Microsoft.Extensions.AI 10.x with function invocation: the app's root, an <c>orchestrate_tools</c> span with the
    /// loop's summed usage but no operation name and no model, and under it two chat spans and one tool span.
    /// </summary>
    [Fact]
    public async Task MicrosoftExtensionsAi_OrchestrateToolsOverChatAndToolSpans_CountsTheTwoChatCallsOnce()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        var (children, root) = MeaiToolLoop(trace: 1);

        await PostAsync(exporter, children);
        await PostAsync(exporter, root);
        exporter.Settle();

        ToolLoop(UseCase).AssertExactly(await exporter.ScrapeAsync(), ServiceName);
    }

    // ------------------------------------------------------------------ Vercel AI SDK

    /// <summary>
    /// The Vercel AI SDK 6 with its default telemetry: <c>ai.generateText</c> with only the summed <c>ai.usage.*</c>
    /// over two <c>ai.generateText.doGenerate</c> spans (the provider calls, <c>gen_ai.system=openai.chat</c>) and an
    /// <c>ai.toolCall</c> span beside them. Without <c>ai.operationId</c> (older versions) only the span names tell:
    /// <c>ai.toolCall</c> is a tool call by its name, and <c>ai.generateText</c>, which then looks like an LLM call (a
    /// model and usage), is a wrapper of the calls below it.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task VercelAiSdk_DefaultTelemetry_CountsTheDoGenerateSpansAndTheToolCallNotGenerateText(bool operationIds)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        const int trace = 2;
        KeyValue[] resource = Resource("nodejs");
        KeyValue[] WithoutOperationId(params KeyValue[] attributes) =>
            operationIds ? attributes : attributes.Where(a => a.Key != "ai.operationId").ToArray();
        Span DoGenerate(int id) => LibrarySpans.Make(trace, id, 2, "ai.generateText.doGenerate", SpanKind.Client, WithoutOperationId(
            Attr("ai.operationId", "ai.generateText.doGenerate"), Attr("operation.name", "ai.generateText.doGenerate"),
            Attr("ai.model.id", Gpt), Attr("ai.model.provider", "openai.chat"),
            Attr("gen_ai.system", "openai.chat"), Attr("gen_ai.request.model", Gpt), Attr("gen_ai.response.model", Gpt),
            Attr("gen_ai.usage.input_tokens", Input), Attr("gen_ai.usage.output_tokens", Output),
            Attr("ai.usage.inputTokens", Input), Attr("ai.usage.outputTokens", Output), Attr("ai.usage.totalTokens", Input + Output),
            Attr("ai.usage.inputTokenDetails.noCacheTokens", Input - CacheRead),
            Attr("ai.usage.inputTokenDetails.cacheReadTokens", CacheRead), Attr("ai.usage.cachedInputTokens", CacheRead),
            Attr("ai.usage.outputTokenDetails.textTokens", Output - Reasoning),
            Attr("ai.usage.outputTokenDetails.reasoningTokens", Reasoning), Attr("ai.usage.reasoningTokens", Reasoning)));
        Span generateText = LibrarySpans.Make(trace, 2, 1, "ai.generateText", SpanKind.Internal, WithoutOperationId(
            Attr("ai.operationId", "ai.generateText"), Attr("operation.name", "ai.generateText"),
            Attr("ai.model.id", Gpt), Attr("ai.model.provider", "openai.chat"),
            Attr("ai.usage.inputTokens", 2 * Input), Attr("ai.usage.outputTokens", 2 * Output), Attr("ai.usage.totalTokens", 2 * (Input + Output)),
            Attr("ai.usage.inputTokenDetails.noCacheTokens", 2 * (Input - CacheRead)),
            Attr("ai.usage.inputTokenDetails.cacheReadTokens", 2 * CacheRead), Attr("ai.usage.cachedInputTokens", 2 * CacheRead),
            Attr("ai.usage.outputTokenDetails.textTokens", 2 * (Output - Reasoning)),
            Attr("ai.usage.outputTokenDetails.reasoningTokens", 2 * Reasoning), Attr("ai.usage.reasoningTokens", 2 * Reasoning)));
        Span toolCall = LibrarySpans.Make(trace, 4, 2, "ai.toolCall", SpanKind.Internal, WithoutOperationId(
            Attr("ai.operationId", "ai.toolCall"), Attr("operation.name", "ai.toolCall"),
            Attr("ai.toolCall.name", Weather), Attr("ai.toolCall.id", "call_weather_1")));
        Span root = LibrarySpans.Make(trace, 1, 0, "POST /api/weather", SpanKind.Server,
            Attr("cpst.use_case", UseCase), Attr("outcome", "success"));

        await PostAsync(exporter, LibrarySpans.Request(resource, "ai", DoGenerate(3), toolCall, DoGenerate(5), generateText));
        await PostAsync(exporter, LibrarySpans.Request(resource, "weather-app", root));
        exporter.Settle();

        ToolLoop(UseCase).AssertExactly(await exporter.ScrapeAsync(), ServiceName);
    }

    /// <summary>
    /// The Vercel AI SDK emitting the GenAI semantic conventions: an <c>invoke_agent</c> root with the summed usage and
    /// the model over <c>chat</c> and <c>execute_tool</c> spans. Only the chat spans are calls.
    /// </summary>
    [Fact]
    public async Task VercelAiSdk_GenAiConventionsMode_CountsTheChatSpansNotInvokeAgent()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        const int trace = 3;
        KeyValue[] resource = Resource("nodejs");
        Span root = LibrarySpans.Make(trace, 1, 0, "invoke_agent weather", SpanKind.Internal,
            Attr("gen_ai.operation.name", "invoke_agent"), Attr("gen_ai.provider.name", "openai"), Attr("gen_ai.request.model", Gpt),
            Attr("gen_ai.usage.input_tokens", 2 * Input), Attr("gen_ai.usage.output_tokens", 2 * Output),
            Attr("gen_ai.usage.cache_read.input_tokens", 2 * CacheRead), Attr("gen_ai.usage.reasoning.output_tokens", 2 * Reasoning),
            Attr("cpst.use_case", UseCase), Attr("outcome", "success"));

        await PostAsync(exporter, LibrarySpans.Request(resource, "ai",
            GenAiChat(trace, 2, parent: 1), GenAiTool(trace, 3, parent: 1), GenAiChat(trace, 4, parent: 1)));
        await PostAsync(exporter, LibrarySpans.Request(resource, "ai", root));
        exporter.Settle();

        ToolLoop(UseCase).AssertExactly(await exporter.ScrapeAsync(), ServiceName);
    }

    // ------------------------------------------------------------------ pydantic-ai

    /// <summary>
    /// pydantic-ai: its own <c>invoke_agent agent</c> root with the run's summed usage, chat and tool spans under it, all
    /// carrying the agent's name. The root's agent name is the use case, not the host's service name. The outcome comes
    /// from the outcome API, since the root is the library's span.
    /// </summary>
    [Fact]
    public async Task PydanticAi_AgentRun_UseCaseIsTheRootsAgentNameNotTheServiceName()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        await PostPydanticAiRunAsync(exporter, trace: 4, cpstUseCase: null);
        exporter.Settle();

        ToolLoop("agent").AssertExactly(await exporter.ScrapeAsync(), ServiceName, UseCase);
    }

    [Fact]
    public async Task PydanticAi_RootWithCpstUseCase_CpstUseCaseBeatsTheAgentName()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        await PostPydanticAiRunAsync(exporter, trace: 5, cpstUseCase: UseCase);
        exporter.Settle();

        ToolLoop(UseCase).AssertExactly(await exporter.ScrapeAsync(), ServiceName, "agent");
    }

    private static async Task PostPydanticAiRunAsync(ExporterUnderTest exporter, int trace, string? cpstUseCase)
    {
        KeyValue[] resource = Resource("python");
        KeyValue[] agent = [Attr("gen_ai.agent.name", "agent"), Attr("gen_ai.agent.call.id", "run-1")];
        Span Chat(int id) => LibrarySpans.Make(trace, id, 1, $"chat {Gpt}", SpanKind.Client, [
            Attr("gen_ai.operation.name", "chat"), Attr("gen_ai.system", "openai"), Attr("gen_ai.provider.name", "openai"),
            Attr("gen_ai.request.model", Gpt), Attr("gen_ai.response.model", Gpt),
            Attr("gen_ai.usage.input_tokens", Input), Attr("gen_ai.usage.output_tokens", Output),
            Attr("gen_ai.usage.cache_read.input_tokens", CacheRead), Attr("gen_ai.usage.details.cache_read_tokens", CacheRead),
            Attr("gen_ai.usage.details.reasoning_tokens", Reasoning), Attr("operation.cost", 0.00027), .. agent]);
        Span tool = LibrarySpans.Make(trace, 3, 1, $"execute_tool {Weather}", SpanKind.Internal, [
            Attr("gen_ai.operation.name", "execute_tool"), Attr("gen_ai.tool.name", Weather), Attr("gen_ai.tool.call.id", "call_1"),
            Attr("logfire.msg", $"running tool: {Weather}"), .. agent]);
        KeyValue[] useCase = cpstUseCase is null ? [] : [Attr("cpst.use_case", cpstUseCase)];
        Span root = LibrarySpans.Make(trace, 1, 0, "invoke_agent agent", SpanKind.Internal, [
            Attr("gen_ai.operation.name", "invoke_agent"), Attr("agent_name", "agent"), Attr("model_name", Gpt),
            Attr("logfire.msg", "agent run"),
            Attr("gen_ai.usage.input_tokens", 2 * Input), Attr("gen_ai.usage.output_tokens", 2 * Output),
            Attr("gen_ai.usage.cache_read.input_tokens", 2 * CacheRead), Attr("gen_ai.usage.details.cache_read_tokens", 2 * CacheRead),
            Attr("gen_ai.usage.details.reasoning_tokens", 2 * Reasoning), .. agent, .. useCase]);

        await PostAsync(exporter, LibrarySpans.Request(resource, "pydantic-ai", Chat(2), tool, Chat(4)));
        await PostAsync(exporter, LibrarySpans.Request(resource, "pydantic-ai", root));
        Assert.Equal("""{"applied":1,"unknown":0,"late":0,"dropped":0}""", await PostOutcomeAsync(exporter, trace, "success"));
    }

    /// <summary>
    /// pydantic-ai 1.x: the tool span is <c>running tool</c>, with <c>gen_ai.tool.name</c> but no operation, kind or
    /// usage; the chat spans give cache reads and reasoning only as <c>gen_ai.usage.details.*</c>. The tool must count
    /// once and every token in its class.
    /// </summary>
    [Fact]
    public async Task PydanticAi1_RunningToolSpanAndUsageDetails_CountTheToolAndEveryTokenClass()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        const int trace = 8;
        KeyValue[] agent = [Attr("gen_ai.agent.name", "weather_agent")];
        Span Chat(int id) => LibrarySpans.Make(trace, id, 1, $"chat {Gpt}", SpanKind.Client, [
            Attr("gen_ai.operation.name", "chat"), Attr("gen_ai.system", "openai"), Attr("gen_ai.request.model", Gpt),
            Attr("gen_ai.response.model", Gpt), Attr("gen_ai.usage.input_tokens", Input), Attr("gen_ai.usage.output_tokens", Output),
            Attr("gen_ai.usage.details.cache_read_tokens", CacheRead), Attr("gen_ai.usage.details.reasoning_tokens", Reasoning), .. agent]);
        Span tool = LibrarySpans.Make(trace, 3, 1, "running tool", SpanKind.Internal, [
            Attr("gen_ai.tool.name", Weather), Attr("gen_ai.tool.call.id", "call_1"), Attr("tool_arguments", """{"city":"Paris"}"""),
            Attr("logfire.msg", $"running tool: {Weather}"), .. agent]);
        Span root = LibrarySpans.Make(trace, 1, 0, "invoke_agent weather_agent", SpanKind.Internal, [
            Attr("gen_ai.operation.name", "invoke_agent"), Attr("gen_ai.usage.input_tokens", 2 * Input),
            Attr("gen_ai.usage.output_tokens", 2 * Output), Attr("gen_ai.usage.details.cache_read_tokens", 2 * CacheRead),
            Attr("cpst.use_case", UseCase), Attr("outcome", "success"), .. agent]);

        await PostAsync(exporter, LibrarySpans.Request(Resource("python"), "pydantic-ai", Chat(2), tool, Chat(4)));
        await PostAsync(exporter, LibrarySpans.Request(Resource("python"), "pydantic-ai", root));
        exporter.Settle();

        ToolLoop(UseCase).AssertExactly(await exporter.ScrapeAsync(), ServiceName, "weather_agent");
    }

    // ------------------------------------------------------------------ OpenLLMetry (traceloop)

    /// <summary>
    /// OpenLLMetry before its GenAI-conventions release: <c>openai.chat</c> spans with <c>gen_ai.system</c> and
    /// <c>llm.request.type</c> but no operation name, under traceloop task spans under a workflow span. The workflow and
    /// task spans carry a model and usage here and still never count, also the task with no LLM span under it (only its
    /// kind, not the wrapper rule, keeps that one out). The tool is a traceloop <c>tool</c> span.
    /// </summary>
    [Fact]
    public async Task OpenLlmetry_WorkflowAndTasksWithUsage_CountOnlyTheOpenAiChatAndToolSpans()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        const int trace = 6;
        KeyValue[] resource = Resource("python");
        KeyValue workflow = Attr("traceloop.workflow.name", "weather_agent");
        Span TaskSpan(int id, string name) => LibrarySpans.Make(trace, id, 1, $"{name}.task", SpanKind.Internal,
            Attr("traceloop.span.kind", "task"), Attr("traceloop.entity.name", name), workflow,
            Attr("gen_ai.request.model", Gpt), Attr("gen_ai.usage.input_tokens", Input), Attr("gen_ai.usage.output_tokens", Output));
        Span OpenAiChat(int id, int parent) => LibrarySpans.Make(trace, id, parent, "openai.chat", SpanKind.Client,
            Attr("gen_ai.system", "openai"), Attr("llm.request.type", "chat"),
            Attr("gen_ai.request.model", Gpt), Attr("gen_ai.response.model", Gpt),
            Attr("gen_ai.usage.input_tokens", Input), Attr("gen_ai.usage.output_tokens", Output), Attr("llm.usage.total_tokens", Input + Output),
            Attr("gen_ai.usage.cache_read_input_tokens", CacheRead), Attr("gen_ai.usage.reasoning_tokens", Reasoning),
            Attr("llm.is_streaming", false), workflow);
        Span tool = LibrarySpans.Make(trace, 4, 1, $"{Weather}.tool", SpanKind.Internal,
            Attr("traceloop.span.kind", "tool"), Attr("traceloop.entity.name", Weather), workflow);
        Span root = LibrarySpans.Make(trace, 1, 0, "weather_agent.workflow", SpanKind.Internal,
            Attr("traceloop.span.kind", "workflow"), Attr("traceloop.entity.name", "weather_agent"), workflow,
            Attr("gen_ai.request.model", Gpt), Attr("gen_ai.usage.input_tokens", 2 * Input), Attr("gen_ai.usage.output_tokens", 2 * Output),
            Attr("cpst.use_case", UseCase), Attr("outcome", "success"));

        await PostAsync(exporter, LibrarySpans.Request(resource, "opentelemetry.instrumentation.openai.v1",
            OpenAiChat(3, parent: 2), TaskSpan(2, "plan"), tool, OpenAiChat(6, parent: 5), TaskSpan(5, "answer"), TaskSpan(7, "summarize")));
        await PostAsync(exporter, LibrarySpans.Request(resource, "traceloop.tracer", root));
        exporter.Settle();

        ToolLoop(UseCase).AssertExactly(await exporter.ScrapeAsync(), ServiceName);
    }

    /// <summary>
    /// OpenLLMetry up to 0.54: the provider in the vendor's case (<c>OpenAI</c>), the old token names and the details as
    /// <c>llm.usage.*</c>. The calls count under provider <c>openai</c>, every token in its class.
    /// </summary>
    [Fact]
    public async Task OpenLlmetryBefore055_LlmUsageDetailsAndVendorCaseProvider_CountEveryTokenClassUnderTheLowerCaseProvider()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        const int trace = 9;
        KeyValue workflow = Attr("traceloop.workflow.name", "weather_agent");
        Span OpenAiChat(int id) => LibrarySpans.Make(trace, id, 1, "openai.chat", SpanKind.Client,
            Attr("gen_ai.system", "OpenAI"), Attr("llm.request.type", "chat"),
            Attr("gen_ai.request.model", Gpt), Attr("gen_ai.response.model", Gpt),
            Attr("gen_ai.usage.prompt_tokens", Input), Attr("gen_ai.usage.completion_tokens", Output), Attr("llm.usage.total_tokens", Input + Output),
            Attr("llm.usage.cache_read_input_tokens", CacheRead), Attr("llm.usage.reasoning_tokens", Reasoning), workflow);
        Span tool = LibrarySpans.Make(trace, 3, 1, $"{Weather}.tool", SpanKind.Internal,
            Attr("traceloop.span.kind", "tool"), Attr("traceloop.entity.name", Weather), workflow);
        Span root = LibrarySpans.Make(trace, 1, 0, "weather_agent.workflow", SpanKind.Internal,
            Attr("traceloop.span.kind", "workflow"), Attr("traceloop.entity.name", "weather_agent"), workflow,
            Attr("cpst.use_case", UseCase), Attr("outcome", "success"));

        await PostAsync(exporter, LibrarySpans.Request(Resource("python"), "opentelemetry.instrumentation.openai.v1", OpenAiChat(2), tool, OpenAiChat(4)));
        await PostAsync(exporter, LibrarySpans.Request(Resource("python"), "traceloop.tracer", root));
        exporter.Settle();

        ToolLoop(UseCase).AssertExactly(await exporter.ScrapeAsync(), ServiceName);
    }

    /// <summary>
    /// OpenLLMetry's Anthropic instrumentation adds cache reads and writes into <c>gen_ai.usage.input_tokens</c> (1000
    /// here, of which 400 cache reads and 100 cache writes): the count is priced as it is, subsets at their own rates.
    /// Its provider, <c>Anthropic</c>, is written lower-case.
    /// </summary>
    [Fact]
    public async Task OpenLlmetry_AnthropicInputIncludingTheCache_IsPricedAsReported()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        const int trace = 7;
        KeyValue[] resource = Resource("python");
        Span chat = LibrarySpans.Make(trace, 2, 1, "anthropic.chat", SpanKind.Client,
            Attr("gen_ai.system", "Anthropic"), Attr("llm.request.type", "completion"),
            Attr("gen_ai.request.model", Claude), Attr("gen_ai.response.model", ClaudeDated),
            Attr("gen_ai.usage.input_tokens", 1000L), Attr("gen_ai.usage.output_tokens", 200L), Attr("llm.usage.total_tokens", 1200L),
            Attr("gen_ai.usage.cache_read_input_tokens", 400L), Attr("gen_ai.usage.cache_creation_input_tokens", 100L));
        Span root = LibrarySpans.Make(trace, 1, 0, "weather_agent.workflow", SpanKind.Internal,
            Attr("traceloop.span.kind", "workflow"), Attr("traceloop.entity.name", "weather_agent"),
            Attr("cpst.use_case", UseCase), Attr("outcome", "success"));

        await PostAsync(exporter, LibrarySpans.Request(resource, "opentelemetry.instrumentation.anthropic", chat));
        await PostAsync(exporter, LibrarySpans.Request(resource, "traceloop.tracer", root));
        exporter.Settle();

        // 500 × 3 + 400 × 0.30 + 100 × 3.75 + 200 × 15 = 4995 per 1M tokens.
        const decimal cost = (500 * ClaudeInput + 400 * ClaudeCacheRead + 100 * ClaudeCacheWrite + 200 * ClaudeOutput) / 1_000_000; // 0.004995
        new ExpectedSeries()
            .Task(UseCase, "success", ClaudeDated, cost, llmCalls: 1, toolCalls: 0, inputTokens: 1000, outputTokens: 200)
            .LlmCalls(UseCase, "anthropic", ClaudeDated, 1, input: 1000, output: 200, cacheRead: 400, cacheWrite: 100, reasoning: 0, cost)
            .AssertExactly(await exporter.ScrapeAsync(), ServiceName);
    }

    /// <summary>
    /// Anthropic's API reports <c>input_tokens</c> without the cache reads and writes, and a library that passes it on
    /// as is gives cache counts beyond the input (docs/conventions.md): the input is then input + cache reads + cache writes.
    /// Cache counts that do not exceed the input are taken as included in it.
    /// </summary>
    public static TheoryData<long, long, long, long, decimal> AnthropicRawInput => new()
    {
        // 100 + 800 + 100 = 1000 input tokens: 100 × 3 + 800 × 0.30 + 100 × 3.75 + 200 × 15 = 3915 per 1M tokens.
        { 100, 800, 100, 1000, 0.003915m },
        // Reads and writes equal to the input do not exceed it: 0 × 3 + 400 × 0.30 + 100 × 3.75 + 200 × 15 = 3495 per 1M.
        { 500, 400, 100, 500, 0.003495m },
    };

    [Theory]
    [MemberData(nameof(AnthropicRawInput))]
    public async Task AnthropicRawInput_CacheBeyondTheInput_IsAddedToTheInput(long input, long cacheRead, long cacheWrite,
        long countedInput, decimal cost)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        const int trace = 8;
        KeyValue[] resource = Resource("python");
        Span chat = LibrarySpans.Make(trace, 2, 1, $"chat {Claude}", SpanKind.Client,
            Attr("gen_ai.operation.name", "chat"), Attr("gen_ai.provider.name", "anthropic"),
            Attr("gen_ai.request.model", Claude), Attr("gen_ai.response.model", ClaudeDated),
            Attr("gen_ai.usage.input_tokens", input), Attr("gen_ai.usage.output_tokens", 200L),
            Attr("gen_ai.usage.cache_read.input_tokens", cacheRead), Attr("gen_ai.usage.cache_creation.input_tokens", cacheWrite));
        Span root = LibrarySpans.Make(trace, 1, 0, "invoke_agent weather", SpanKind.Internal,
            Attr("gen_ai.operation.name", "invoke_agent"), Attr("cpst.use_case", UseCase), Attr("outcome", "success"));

        await PostAsync(exporter, LibrarySpans.Request(resource, "agent", chat));
        await PostAsync(exporter, LibrarySpans.Request(resource, "agent", root));
        exporter.Settle();

        new ExpectedSeries()
            .Task(UseCase, "success", ClaudeDated, cost, llmCalls: 1, toolCalls: 0, inputTokens: countedInput, outputTokens: 200)
            .LlmCalls(UseCase, "anthropic", ClaudeDated, 1, countedInput, 200, cacheRead, cacheWrite, reasoning: 0, cost)
            .AssertExactly(await exporter.ScrapeAsync(), ServiceName);
    }

    // ------------------------------------------------------------------ openlit

    /// <summary>
    /// openlit puts its own list-price estimate in <c>gen_ai.usage.cost</c>. The operator's table wins where it prices
    /// the model; the estimate prices a model the table lacks (and the call is then not unpriced); <c>cpst.cost_usd</c>
    /// on the span wins over both. The last row, without any cost, is the unpriced call the estimate saves the others from.
    /// </summary>
    public static TheoryData<string, string, decimal?, decimal?, decimal, bool> OpenlitCosts => new()
    {
        { Gpt, "openai", 0.000345m, null, GptCall, false },
        { "mistral-large-2411", "mistral_ai", 0.0042m, null, 0.0042m, false },
        { Gpt, "openai", 0.000345m, 0.0123m, 0.0123m, false },
        { "mistral-large-2411", "mistral_ai", 0.0042m, 0.0123m, 0.0123m, false },
        { "mistral-large-2411", "mistral_ai", null, null, 0m, true },
    };

    [Theory]
    [MemberData(nameof(OpenlitCosts))]
    public async Task Openlit_CostEstimate_PricesOnlyWhatTheTableCannotAndExplicitCostWins(string model, string provider,
        decimal? estimate, decimal? explicitCost, decimal cost, bool unpriced)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        const int trace = 9;
        KeyValue[] resource = [Attr("service.name", ServiceName), Attr("telemetry.sdk.name", "openlit"), Attr("telemetry.sdk.language", "python")];
        var costs = new List<KeyValue>();
        // Sent as doubles, as openlit and an app setting an attribute from a float write them.
        if (estimate is decimal e) costs.Add(Attr("gen_ai.usage.cost", (double)e));
        if (explicitCost is decimal c) costs.Add(Attr("cpst.cost_usd", (double)c));
        Span chat = LibrarySpans.Make(trace, 2, 1, $"chat {model}", SpanKind.Client, [
            Attr("gen_ai.operation.name", "chat"), Attr("gen_ai.provider.name", provider),
            Attr("gen_ai.request.model", model), Attr("gen_ai.response.model", model),
            Attr("gen_ai.usage.input_tokens", Input), Attr("gen_ai.usage.output_tokens", Output),
            Attr("gen_ai.usage.cache_read.input_tokens", CacheRead), Attr("gen_ai.usage.cache_creation.input_tokens", 0L),
            Attr("gen_ai.usage.reasoning_tokens", Reasoning), Attr("gen_ai.client.token.usage", Input + Output), .. costs]);
        Span root = LibrarySpans.Make(trace, 1, 0, "weather request", SpanKind.Server,
            Attr("cpst.use_case", UseCase), Attr("outcome", "success"));

        await PostAsync(exporter, LibrarySpans.Request(resource, "openlit.otel.tracing", chat));
        await PostAsync(exporter, LibrarySpans.Request(resource, "weather-app", root));
        exporter.Settle();

        var expected = new ExpectedSeries()
            .Task(UseCase, "success", model, cost, llmCalls: 1, toolCalls: 0, Input, Output)
            .LlmCalls(UseCase, provider, model, 1, Input, Output, CacheRead, 0, Reasoning, cost);
        if (unpriced) expected.UnpricedCalls(UseCase, model, 1);
        expected.AssertExactly(await exporter.ScrapeAsync(), ServiceName);
    }

    // ------------------------------------------------------------------ OpenInference

    /// <summary>
    /// OpenInference: LLM and TOOL spans count, a CHAIN never does, even with a model and usage on it: here the root
    /// CHAIN sums the run, and a CHAIN with no LLM span under it (only its kind, not the wrapper rule, keeps it out)
    /// carries one call's model and usage.
    /// </summary>
    [Fact]
    public async Task OpenInference_ChainOverLlmAndToolSpans_CountsTheLlmAndToolSpansOnly()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        const int trace = 10;
        KeyValue[] resource = Resource("python");

        await PostAsync(exporter, LibrarySpans.Request(resource, "openinference.instrumentation.openai",
            OpenInferenceLlm(trace, 2, 1, "ChatCompletion"), OpenInferenceTool(trace, 3, 1), OpenInferenceLlm(trace, 4, 1, "ChatCompletion"),
            OpenInferenceChain(trace, 5, 1, "RunnableSequence", [.. ModelAndUsage(1)])));
        await PostAsync(exporter, LibrarySpans.Request(resource, "openinference.instrumentation.openai",
            OpenInferenceChain(trace, 1, 0, "weather_agent", [Attr("cpst.use_case", UseCase), Attr("outcome", "success"), .. ModelAndUsage(2)])));
        exporter.Settle();

        ToolLoop(UseCase).AssertExactly(await exporter.ScrapeAsync(), ServiceName);
    }

    /// <summary>
    /// OpenInference's LangChain and OpenAI instrumentations both on: each LangChain <c>ChatOpenAI</c> LLM span has the
    /// OpenAI <c>ChatCompletion</c> LLM span of the same call directly under it, with the same usage. Each call counts
    /// once, whatever order the two arrive in, and wherever the root (which makes the use case final) falls between them.
    /// </summary>
    /// <remarks>
    /// Spans: 1 LangGraph (root CHAIN), 2 and 7 agent CHAINs with usage, 3 and 8 ChatOpenAI, 4 and 9 ChatCompletion
    /// under them, 5 tools CHAIN, 6 get_weather TOOL.
    /// </remarks>
    public static TheoryData<string> ArrivalOrders => new(OpenInferenceOrders.Keys);

    private static readonly Dictionary<string, int[][]> OpenInferenceOrders = new()
    {
        ["child first, then parent, then root"] = [[4, 3, 2, 6, 5, 9, 8, 7], [1]],
        ["parent first, then child, then root"] = [[3, 8], [4, 9, 2, 6, 5, 7], [1]],
        ["parent, then root, then child"] = [[3, 8], [1], [4, 9, 2, 6, 5, 7]],
        ["child, then root, then parent"] = [[4, 9], [1], [3, 8, 2, 6, 5, 7]],
    };

    [Theory]
    [MemberData(nameof(ArrivalOrders))]
    public async Task OpenInference_LangChainLlmSpanOverOpenAiLlmSpan_CountsEachCallOnce(string order)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        const int trace = 11;
        KeyValue[] resource = Resource("python");
        var spans = new Dictionary<int, Span>
        {
            [1] = OpenInferenceChain(trace, 1, 0, "LangGraph", Attr("cpst.use_case", UseCase), Attr("outcome", "success"),
                Attr("llm.token_count.prompt", 2 * Input), Attr("llm.token_count.completion", 2 * Output)),
            [2] = OpenInferenceChain(trace, 2, 1, "agent", Attr("llm.token_count.prompt", Input), Attr("llm.token_count.completion", Output)),
            [3] = OpenInferenceLlm(trace, 3, 2, "ChatOpenAI"),
            [4] = OpenInferenceLlm(trace, 4, 3, "ChatCompletion"),
            [5] = OpenInferenceChain(trace, 5, 1, "tools"),
            [6] = OpenInferenceTool(trace, 6, 5),
            [7] = OpenInferenceChain(trace, 7, 1, "agent", Attr("llm.token_count.prompt", Input), Attr("llm.token_count.completion", Output)),
            [8] = OpenInferenceLlm(trace, 8, 7, "ChatOpenAI"),
            [9] = OpenInferenceLlm(trace, 9, 8, "ChatCompletion"),
        };

        foreach (int[] request in OpenInferenceOrders[order])
            await PostAsync(exporter, LibrarySpans.Request(resource, "openinference.instrumentation.langchain", request.Select(id => spans[id]).ToArray()));
        exporter.Settle();

        ToolLoop(UseCase).AssertExactly(await exporter.ScrapeAsync(), ServiceName);
    }

    private static Span OpenInferenceLlm(int trace, int id, int parent, string name) =>
        LibrarySpans.Make(trace, id, parent, name, SpanKind.Internal,
            Attr("openinference.span.kind", "LLM"), Attr("llm.model_name", Gpt), Attr("llm.provider", "openai"), Attr("llm.system", "openai"),
            Attr("llm.token_count.prompt", Input), Attr("llm.token_count.completion", Output), Attr("llm.token_count.total", Input + Output),
            Attr("llm.token_count.prompt_details.cache_read", CacheRead), Attr("llm.token_count.completion_details.reasoning", Reasoning));

    /// <summary>The model and usage of <paramref name="calls"/> calls in OpenInference's attributes.</summary>
    private static KeyValue[] ModelAndUsage(int calls) =>
    [
        Attr("llm.model_name", Gpt), Attr("llm.provider", "openai"),
        Attr("llm.token_count.prompt", calls * Input), Attr("llm.token_count.completion", calls * Output),
        Attr("llm.token_count.prompt_details.cache_read", calls * CacheRead), Attr("llm.token_count.completion_details.reasoning", calls * Reasoning),
    ];

    private static Span OpenInferenceTool(int trace, int id, int parent) =>
        LibrarySpans.Make(trace, id, parent, Weather, SpanKind.Internal, Attr("openinference.span.kind", "TOOL"), Attr("tool.name", Weather));

    private static Span OpenInferenceChain(int trace, int id, int parent, string name, params KeyValue[] more) =>
        LibrarySpans.Make(trace, id, parent, name, SpanKind.Internal, [Attr("openinference.span.kind", "CHAIN"), .. more]);

    // ------------------------------------------------------------------ GenAI semantic conventions

    /// <summary>
    /// The GenAI conventions as of August 2026 name cache writes <c>gen_ai.usage.cache_write.input_tokens</c>; earlier
    /// releases and the libraries that follow them say <c>gen_ai.usage.cache_creation.input_tokens</c>. Both are cache writes.
    /// </summary>
    [Theory]
    [InlineData("gen_ai.usage.cache_write.input_tokens")]
    [InlineData("gen_ai.usage.cache_creation.input_tokens")]
    public async Task GenAiConventions_EitherCacheWriteName_IsACacheWrite(string cacheWriteAttribute)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        const int trace = 12;
        KeyValue[] resource = Resource("python");
        Span chat = LibrarySpans.Make(trace, 2, 1, $"chat {Claude}", SpanKind.Client,
            Attr("gen_ai.operation.name", "chat"), Attr("gen_ai.provider.name", "anthropic"),
            Attr("gen_ai.request.model", Claude), Attr("gen_ai.response.model", ClaudeDated),
            Attr("gen_ai.usage.input_tokens", 1000L), Attr("gen_ai.usage.output_tokens", 200L),
            Attr("gen_ai.usage.cache_read.input_tokens", 400L), Attr(cacheWriteAttribute, 100L),
            Attr("gen_ai.usage.reasoning.output_tokens", 50L));
        Span root = LibrarySpans.Make(trace, 1, 0, "invoke_agent weather", SpanKind.Internal,
            Attr("gen_ai.operation.name", "invoke_agent"), Attr("cpst.use_case", UseCase), Attr("outcome", "success"));

        await PostAsync(exporter, LibrarySpans.Request(resource, "agent", chat));
        await PostAsync(exporter, LibrarySpans.Request(resource, "agent", root));
        exporter.Settle();

        // 500 × 3 + 400 × 0.30 + 100 × 3.75 + 150 × 15 + 50 × 24 = 5445 per 1M tokens.
        const decimal cost = (500 * ClaudeInput + 400 * ClaudeCacheRead + 100 * ClaudeCacheWrite + 150 * ClaudeOutput + 50 * ClaudeReasoning) / 1_000_000;
        new ExpectedSeries()
            .Task(UseCase, "success", ClaudeDated, cost, llmCalls: 1, toolCalls: 0, inputTokens: 1000, outputTokens: 200)
            .LlmCalls(UseCase, "anthropic", ClaudeDated, 1, input: 1000, output: 200, cacheRead: 400, cacheWrite: 100, reasoning: 50, cost)
            .AssertExactly(await exporter.ScrapeAsync(), ServiceName);
    }

    // ------------------------------------------------------------------ Duplicates

    /// <summary>An exporter's retry sends both requests again: nothing counts twice, every repeat is counted as one.</summary>
    [Fact]
    public async Task Duplicates_SameRequestsTwiceOverHttpJson_CountOnce()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        var (children, root) = MeaiToolLoop(trace: 13);

        await PostAsync(exporter, children);
        await PostAsync(exporter, children);
        await PostAsync(exporter, root);
        await PostAsync(exporter, root);
        exporter.Settle();

        string metrics = await exporter.ScrapeAsync();
        ToolLoop(UseCase).AssertExactly(metrics, ServiceName);
        Assert.Equal(5m, MetricsText.Required(metrics, "cpst_duplicate_spans_total"));
        Assert.Equal(10m, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"http_json\"}"));
    }

    /// <summary>The same spans over OTLP/gRPC (protobuf) and then over OTLP/HTTP (JSON), as when an agent's traces reach the exporter twice.</summary>
    [Fact]
    public async Task Duplicates_SameSpansOverGrpcAndHttpJson_CountOnce()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        var (children, root) = MeaiToolLoop(trace: 14);

        foreach (ExportTraceServiceRequest request in new[] { children, root })
        {
            using HttpResponseMessage response = await GrpcCall.SendAsync(Http, exporter.GrpcAddress, request.ToByteArray());
            Assert.Equal(0, GrpcCall.Status(response));
        }
        await PostAsync(exporter, children);
        await PostAsync(exporter, root);
        exporter.Settle();

        string metrics = await exporter.ScrapeAsync();
        ToolLoop(UseCase).AssertExactly(metrics, ServiceName);
        Assert.Equal(5m, MetricsText.Required(metrics, "cpst_duplicate_spans_total"));
        Assert.Equal(5m, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"grpc\"}"));
        Assert.Equal(5m, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"http_json\"}"));
    }

    /// <summary>
    /// Within <c>Cpst:Tasks:DuplicateWindowSeconds</c> (default 300) after the task finished, a resent span is still a
    /// duplicate, not a late span; a span never seen before is a late span, counted under the finished task's labels, and
    /// its own resend is a duplicate too. The outcome window is shorter here, so it is the duplicate window that keeps
    /// the finished task's spans.
    /// </summary>
    [Fact]
    public async Task Duplicates_AfterTheTaskFinished_CountOnceWhileANewSpanIsLate()
    {
        await using ExporterUnderTest exporter = await StartAsync(("Cpst:Tasks:OutcomeWindowSeconds", "60"));
        const int trace = 15;
        var (children, root) = MeaiToolLoop(trace);
        await PostAsync(exporter, children);
        await PostAsync(exporter, root);
        exporter.Settle();
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_tasks_total{use_case=\"weather-bot\",outcome=\"success\",model=\"gpt-4o-mini\",environment=\"none\",variant=\"none\"}"));

        exporter.Clock.AdvanceSeconds(290); // past the 60 s outcome window, within the 300 s duplicate window
        exporter.Sweep();
        await PostAsync(exporter, children);
        await PostAsync(exporter, root);

        string metrics = await exporter.ScrapeAsync();
        ToolLoop(UseCase).AssertExactly(metrics, ServiceName);
        Assert.Equal(5m, MetricsText.Required(metrics, "cpst_duplicate_spans_total"));
        Assert.Equal(0m, MetricsText.Required(metrics, "cpst_late_spans_total"));

        // A second tool call the agent's exporter had not sent yet.
        ExportTraceServiceRequest late = LibrarySpans.Request(Resource("dotnet"), MeaiScope, GenAiTool(trace, 6, parent: 2));
        await PostAsync(exporter, late);
        await PostAsync(exporter, late);

        metrics = await exporter.ScrapeAsync();
        new ExpectedSeries()
            .Task(UseCase, "success", Gpt, ToolLoopCost + WeatherPrice, llmCalls: 2, toolCalls: 2, 2 * Input, 2 * Output, tasks: 1)
            .LlmCalls(UseCase, "openai", Gpt, 2, 2 * Input, 2 * Output, 2 * CacheRead, 0, 2 * Reasoning, 2 * GptCall)
            .ToolCalls(UseCase, Weather, 2, 2 * WeatherPrice)
            .AssertExactly(metrics, ServiceName);
        Assert.Equal(1m, MetricsText.Required(metrics, "cpst_late_spans_total"));
        Assert.Equal(6m, MetricsText.Required(metrics, "cpst_duplicate_spans_total"));
    }

    // ------------------------------------------------------------------ Per-call families

    /// <summary>
    /// The per-call families wait for the task's use case to be final (docs/reference.md, "Metrics"): children that arrive before the
    /// root make no series (they would go under the service name); the root, even without an outcome, puts them under
    /// its use case at once, so spend shows before the task finishes; a call after the root counts at once.
    /// </summary>
    [Fact]
    public async Task PerCallFamilies_ChildrenBeforeTheRoot_CountUnderTheRootsUseCaseWhenItArrives()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        const int trace = 16;
        var (children, root) = MeaiToolLoop(trace, outcome: null);

        await PostAsync(exporter, children);
        new ExpectedSeries().AssertExactly(await exporter.ScrapeAsync(), ServiceName, UseCase);

        await PostAsync(exporter, root);
        new ExpectedSeries()
            .LlmCalls(UseCase, "openai", Gpt, 2, 2 * Input, 2 * Output, 2 * CacheRead, 0, 2 * Reasoning, 2 * GptCall)
            .ToolCalls(UseCase, Weather, 1, WeatherPrice)
            .AssertExactly(await exporter.ScrapeAsync(), ServiceName);

        await PostAsync(exporter, LibrarySpans.Request(Resource("dotnet"), MeaiScope, GenAiChat(trace, 6, parent: 2)));
        new ExpectedSeries()
            .LlmCalls(UseCase, "openai", Gpt, 3, 3 * Input, 3 * Output, 3 * CacheRead, 0, 3 * Reasoning, 3 * GptCall)
            .ToolCalls(UseCase, Weather, 1, WeatherPrice)
            .AssertExactly(await exporter.ScrapeAsync(), ServiceName);
        Assert.Equal(1, exporter.Tasks.PendingCount);

        Assert.Equal("""{"applied":1,"unknown":0,"late":0,"dropped":0}""", await PostOutcomeAsync(exporter, trace, "success"));
        exporter.Settle();
        new ExpectedSeries()
            .Task(UseCase, "success", Gpt, 3 * GptCall + WeatherPrice, llmCalls: 3, toolCalls: 1, 3 * Input, 3 * Output)
            .LlmCalls(UseCase, "openai", Gpt, 3, 3 * Input, 3 * Output, 3 * CacheRead, 0, 3 * Reasoning, 3 * GptCall)
            .ToolCalls(UseCase, Weather, 1, WeatherPrice)
            .AssertExactly(await exporter.ScrapeAsync(), ServiceName);
    }

    // ------------------------------------------------------------------ Shapes and helpers

    private const string MeaiScope = "Experimental.Microsoft.Extensions.AI";

    /// <summary>
    /// A Microsoft.Extensions.AI tool loop as its SDK exports it: the library's spans (chat, tool, chat, then
    /// <c>orchestrate_tools</c>) in one request, the app's root in the next.
    /// </summary>
    private static (ExportTraceServiceRequest Children, ExportTraceServiceRequest Root) MeaiToolLoop(int trace, string? outcome = "success")
    {
        KeyValue[] resource = Resource("dotnet");
        Span orchestrate = LibrarySpans.Make(trace, 2, 1, "orchestrate_tools", SpanKind.Internal,
            Attr("gen_ai.usage.input_tokens", 2 * Input), Attr("gen_ai.usage.output_tokens", 2 * Output));
        KeyValue[] rootAttributes = outcome is null ? [Attr("cpst.use_case", UseCase)] : [Attr("cpst.use_case", UseCase), Attr("outcome", outcome)];
        Span root = LibrarySpans.Make(trace, 1, 0, "handle weather request", SpanKind.Internal, rootAttributes);
        return (LibrarySpans.Request(resource, MeaiScope, GenAiChat(trace, 3, parent: 2), GenAiTool(trace, 4, parent: 2), GenAiChat(trace, 5, parent: 2), orchestrate),
            LibrarySpans.Request(resource, "weather-app", root));
    }

    /// <summary>A chat span in the GenAI semantic conventions, as Microsoft.Extensions.AI 10.x writes it.</summary>
    private static Span GenAiChat(int trace, int id, int parent) =>
        LibrarySpans.Make(trace, id, parent, $"chat {Gpt}", SpanKind.Client,
            Attr("gen_ai.operation.name", "chat"), Attr("gen_ai.provider.name", "openai"),
            Attr("gen_ai.request.model", Gpt), Attr("gen_ai.response.model", Gpt),
            Attr("gen_ai.usage.input_tokens", Input), Attr("gen_ai.usage.output_tokens", Output),
            Attr("gen_ai.usage.cache_read.input_tokens", CacheRead), Attr("gen_ai.usage.reasoning.output_tokens", Reasoning),
            Attr("server.address", "api.openai.com"));

    private static Span GenAiTool(int trace, int id, int parent) =>
        LibrarySpans.Make(trace, id, parent, $"execute_tool {Weather}", SpanKind.Internal,
            Attr("gen_ai.operation.name", "execute_tool"), Attr("gen_ai.tool.name", Weather),
            Attr("gen_ai.tool.call.id", $"call_{id}"), Attr("gen_ai.tool.type", "function"));

    /// <summary>One successful tool loop (two gpt-4o-mini calls and one get_weather call) under <paramref name="useCase"/>.</summary>
    private static ExpectedSeries ToolLoop(string useCase) => new ExpectedSeries()
        .Task(useCase, "success", Gpt, ToolLoopCost, llmCalls: 2, toolCalls: 1, 2 * Input, 2 * Output)
        .LlmCalls(useCase, "openai", Gpt, 2, 2 * Input, 2 * Output, 2 * CacheRead, cacheWrite: 0, 2 * Reasoning, 2 * GptCall)
        .ToolCalls(useCase, Weather, 1, WeatherPrice);

    private static KeyValue[] Resource(string language) =>
        [Attr("service.name", ServiceName), Attr("telemetry.sdk.name", "opentelemetry"), Attr("telemetry.sdk.language", language)];

    private async Task<ExporterUnderTest> StartAsync(params (string Key, string Value)[] settings)
    {
        string pricing = Path.Combine(_directory, "pricing.yaml");
        await File.WriteAllTextAsync(pricing, PriceTable);
        var configuration = new Dictionary<string, string?> { ["Cpst:PricingFile"] = pricing };
        foreach (var (key, value) in settings) configuration[key] = value;
        return await ExporterUnderTest.StartAsync(configuration);
    }

    /// <summary>Posts one request as OTLP/JSON; every span in it must be accepted.</summary>
    private static async Task PostAsync(ExporterUnderTest exporter, ExportTraceServiceRequest request)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(OtlpJson.From(request)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using HttpResponseMessage response = await Http.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
    }

    private static async Task<string> PostOutcomeAsync(ExporterUnderTest exporter, int trace, string outcome)
    {
        using var content = new StringContent($$"""{"outcomes":[{"trace_id":"{{TraceHex(trace)}}","outcome":"{{outcome}}"}]}""");
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using HttpResponseMessage response = await Http.PostAsync(new Uri(exporter.HttpAddress, "/v1/outcomes"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
