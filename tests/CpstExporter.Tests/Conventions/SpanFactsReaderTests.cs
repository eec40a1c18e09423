using CpstExporter.Conventions;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Receiving.Otlp;
using Microsoft.Extensions.Configuration;
using static CpstExporter.Tests.Support.Spans;

namespace CpstExporter.Tests.Conventions;

public class SpanFactsReaderTests
{
    private static readonly KeyValue Chat = Attr("gen_ai.operation.name", "chat");

    /// <summary>The facts of a span as the service reads them: decoded keeping only the attributes the conventions
    /// name, each with its code. A batch that kept every attribute must give the same facts.</summary>
    private static SpanFacts Read(Span span, params KeyValue[] resource)
    {
        var reader = new SpanFactsReader(new LabelValueCache());
        ExportTraceServiceRequest request = Request(resource, span);
        SpanFacts kept = ReadFirst(reader, Batches.Decode(request, reader.SpanKeys, reader.ResourceKeys));
        Assert.Equal(ReadFirst(reader, Batches.Decode(request)), kept);
        return kept;
    }

    private static SpanFacts ReadFirst(SpanFactsReader reader, SpanBatch batch) =>
        reader.Read(batch, batch.Spans[0], reader.ReadResource(batch, batch.Resources[0]));

    private static SpanFacts ReadChild(params KeyValue[] attributes) => Read(Child(1, 2, attributes), Attr("service.name", "svc"));

    private static SpanFacts ReadRoot(params KeyValue[] attributes) => Read(Root(1, attributes), Attr("service.name", "svc"));

    /// <summary>Each key carries its own name as value, so the value read names the attribute that won.</summary>
    private static KeyValue[] Named(IEnumerable<string> keys) => keys.Select(k => Attr(k, k)).ToArray();

    // ---------------------------------------------------------------- model and provider

    public static TheoryData<string[], string> ModelKeys => new()
    {
        { ["llm.model_name", "gen_ai.request.model", "gen_ai.response.model"], "gen_ai.response.model" },
        { ["gen_ai.response.model", "gen_ai.request.model", "llm.model_name"], "gen_ai.response.model" },
        { ["llm.model_name", "gen_ai.response.model"], "gen_ai.response.model" },
        { ["llm.model_name", "gen_ai.request.model"], "gen_ai.request.model" },
        { ["gen_ai.request.model", "llm.model_name"], "gen_ai.request.model" },
        { ["llm.model_name"], "llm.model_name" },
    };

    [Theory]
    [MemberData(nameof(ModelKeys))]
    public void Read_ModelAttributes_TakesTheFirstConventionPresent(string[] keys, string winner)
    {
        SpanFacts facts = ReadChild([Chat, .. Named(keys)]);

        Assert.Equal(SpanRole.Llm, facts.Role);
        Assert.Equal(winner, facts.Model);
    }

    public static TheoryData<string[], string> ProviderKeys => new()
    {
        { ["llm.system", "llm.provider", "gen_ai.system", "gen_ai.provider.name"], "gen_ai.provider.name" },
        { ["gen_ai.provider.name", "llm.system"], "gen_ai.provider.name" },
        { ["llm.system", "llm.provider", "gen_ai.system"], "gen_ai.system" },
        { ["llm.system", "llm.provider"], "llm.provider" },
        { ["llm.provider", "llm.system"], "llm.provider" },
        { ["llm.system"], "llm.system" },
    };

    [Theory]
    [MemberData(nameof(ProviderKeys))]
    public void Read_ProviderAttributes_TakesTheFirstConventionPresent(string[] keys, string winner)
    {
        SpanFacts facts = ReadChild([Chat, Attr("gen_ai.request.model", "gpt-4o"), .. Named(keys)]);

        Assert.Equal(winner, facts.Provider);
    }

    [Fact]
    public void Read_ModelOnToolSpan_IsNotReadAsModel()
    {
        SpanFacts facts = ReadChild(Attr("gen_ai.operation.name", "execute_tool"), Attr("gen_ai.tool.name", "web_search"),
            Attr("gen_ai.request.model", "gpt-4o"));

        Assert.Equal(SpanRole.Tool, facts.Role);
        Assert.Null(facts.Model);
    }

    // ---------------------------------------------------------------- tokens

    /// <summary>Token attribute names, each with a distinct count so the count read names the attribute that won.</summary>
    private static readonly Dictionary<string, long> TokenCounts = new()
    {
        ["gen_ai.usage.input_tokens"] = 1001,
        ["gen_ai.usage.prompt_tokens"] = 1002,
        ["llm.token_count.prompt"] = 1003,
        ["gen_ai.usage.output_tokens"] = 2001,
        ["gen_ai.usage.completion_tokens"] = 2002,
        ["llm.token_count.completion"] = 2003,
        ["gen_ai.usage.cache_read.input_tokens"] = 301,
        ["gen_ai.usage.cache_read_input_tokens"] = 302,
        ["llm.token_count.prompt_details.cache_read"] = 303,
        ["gen_ai.usage.cache_creation.input_tokens"] = 401,
        ["gen_ai.usage.cache_creation_input_tokens"] = 402,
        ["llm.token_count.prompt_details.cache_write"] = 403,
        ["gen_ai.usage.reasoning.output_tokens"] = 501,
        ["llm.token_count.completion_details.reasoning"] = 502,
    };

    public static TheoryData<string, string[], string> TokenKeys => new()
    {
        { "input", ["llm.token_count.prompt", "gen_ai.usage.prompt_tokens", "gen_ai.usage.input_tokens"], "gen_ai.usage.input_tokens" },
        { "input", ["llm.token_count.prompt", "gen_ai.usage.prompt_tokens"], "gen_ai.usage.prompt_tokens" },
        { "input", ["llm.token_count.prompt"], "llm.token_count.prompt" },
        { "output", ["llm.token_count.completion", "gen_ai.usage.completion_tokens", "gen_ai.usage.output_tokens"], "gen_ai.usage.output_tokens" },
        { "output", ["llm.token_count.completion", "gen_ai.usage.completion_tokens"], "gen_ai.usage.completion_tokens" },
        { "output", ["llm.token_count.completion"], "llm.token_count.completion" },
        { "cache_read", ["llm.token_count.prompt_details.cache_read", "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cache_read.input_tokens"], "gen_ai.usage.cache_read.input_tokens" },
        { "cache_read", ["llm.token_count.prompt_details.cache_read", "gen_ai.usage.cache_read_input_tokens"], "gen_ai.usage.cache_read_input_tokens" },
        { "cache_read", ["llm.token_count.prompt_details.cache_read"], "llm.token_count.prompt_details.cache_read" },
        { "cache_write", ["llm.token_count.prompt_details.cache_write", "gen_ai.usage.cache_creation_input_tokens", "gen_ai.usage.cache_creation.input_tokens"], "gen_ai.usage.cache_creation.input_tokens" },
        { "cache_write", ["llm.token_count.prompt_details.cache_write", "gen_ai.usage.cache_creation_input_tokens"], "gen_ai.usage.cache_creation_input_tokens" },
        { "cache_write", ["llm.token_count.prompt_details.cache_write"], "llm.token_count.prompt_details.cache_write" },
        { "reasoning", ["llm.token_count.completion_details.reasoning", "gen_ai.usage.reasoning.output_tokens"], "gen_ai.usage.reasoning.output_tokens" },
        { "reasoning", ["llm.token_count.completion_details.reasoning"], "llm.token_count.completion_details.reasoning" },
    };

    [Theory]
    [MemberData(nameof(TokenKeys))]
    public void Read_TokenAttributes_TakesTheFirstConventionPresent(string tokenType, string[] keys, string winner)
    {
        SpanFacts facts = ReadChild([Chat, Attr("gen_ai.request.model", "gpt-4o"), .. keys.Select(k => Attr(k, TokenCounts[k]))]);

        TokenUsage t = facts.Tokens;
        long read = tokenType switch
        {
            "input" => t.Input,
            "output" => t.Output,
            "cache_read" => t.CacheRead,
            "cache_write" => t.CacheWrite,
            "reasoning" => t.Reasoning,
            _ => throw new ArgumentOutOfRangeException(nameof(tokenType)),
        };
        Assert.Equal(TokenCounts[winner], read);
    }

    [Fact]
    public void Read_OldPromptTokensName_GivesInputTokens()
    {
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.usage.prompt_tokens", 812L), Attr("gen_ai.usage.completion_tokens", 96L));

        Assert.Equal(new TokenUsage(812, 96, 0, 0, 0), facts.Tokens);
    }

    [Fact]
    public void Read_OpenInferenceLlmSpan_GivesModelProviderAndAllTokenTypes()
    {
        SpanFacts facts = ReadChild(
            Attr("openinference.span.kind", "LLM"),
            Attr("llm.model_name", "claude-sonnet-4-5"),
            Attr("llm.provider", "anthropic"),
            Attr("llm.token_count.prompt", 5000L),
            Attr("llm.token_count.completion", 700L),
            Attr("llm.token_count.prompt_details.cache_read", 3000L),
            Attr("llm.token_count.prompt_details.cache_write", 1000L),
            Attr("llm.token_count.completion_details.reasoning", 200L));

        Assert.Equal(SpanRole.Llm, facts.Role);
        Assert.Equal("claude-sonnet-4-5", facts.Model);
        Assert.Equal("anthropic", facts.Provider);
        Assert.Equal(new TokenUsage(5000, 700, 3000, 1000, 200), facts.Tokens);
    }

    [Fact]
    public void Read_TokenCountAsString_IsParsed()
    {
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.usage.input_tokens", "1500"), Attr("gen_ai.usage.output_tokens", "42"));

        Assert.Equal(1500, facts.Tokens.Input);
        Assert.Equal(42, facts.Tokens.Output);
    }

    [Fact]
    public void Read_TokenCountAsIntegralDouble_IsParsed()
    {
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.usage.input_tokens", 1500.0), Attr("gen_ai.usage.output_tokens", 42.0));

        Assert.Equal(1500, facts.Tokens.Input);
        Assert.Equal(42, facts.Tokens.Output);
    }

    private static KeyValue TypedAttr(string key, string kind, string value)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        return kind switch
        {
            "string" => Attr(key, value),
            "double" => Attr(key, double.Parse(value, invariant)),
            "int" => Attr(key, long.Parse(value, invariant)),
            _ => Attr(key, bool.Parse(value)),
        };
    }

    [Theory]
    [InlineData("string", "15x")]
    [InlineData("string", "1.5")]
    [InlineData("string", "")]
    [InlineData("double", "1.5")]
    [InlineData("bool", "true")]
    public void Read_GarbledTokenCount_CountsAsAbsent(string kind, string value)
    {
        SpanFacts facts = ReadChild(Chat, TypedAttr("gen_ai.usage.input_tokens", kind, value), Attr("gen_ai.usage.output_tokens", 7L));

        Assert.Equal(0, facts.Tokens.Input);
        Assert.Equal(7, facts.Tokens.Output);
        Assert.False(facts.Implausible);
    }

    [Theory]
    [InlineData("gen_ai.usage.input_tokens", "int", "-3")]
    [InlineData("gen_ai.usage.input_tokens", "int", "9223372036854775807")]
    [InlineData("gen_ai.usage.input_tokens", "int", "100000001")]
    [InlineData("gen_ai.usage.output_tokens", "double", "-3")]
    [InlineData("gen_ai.usage.output_tokens", "double", "NaN")]
    [InlineData("gen_ai.usage.output_tokens", "double", "1e300")]
    [InlineData("gen_ai.usage.cache_read.input_tokens", "string", "-3")]
    [InlineData("gen_ai.usage.reasoning.output_tokens", "string", "1e20")]
    [InlineData("ai.usage.cachedInputTokens", "string", "99999999999999999999999")]
    public void Read_TokenCountOutsideThePlausibleRange_MarksTheSpanImplausible(string key, string kind, string value)
    {
        SpanFacts facts = ReadChild(Chat, TypedAttr(key, kind, value));

        Assert.True(facts.Implausible);
    }

    [Fact]
    public void Read_TokenCountAtTheLimit_IsPlausible()
    {
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.usage.input_tokens", 100_000_000L));

        Assert.False(facts.Implausible);
        Assert.Equal(100_000_000, facts.Tokens.Input);
    }

    [Fact]
    public void Read_LimitsFromConfiguration_AreTheOnesApplied()
    {
        SpanBatch batch = Batches.Decode(Request([Attr("service.name", "svc")],
            Child(1, 2, Chat, Attr("gen_ai.usage.input_tokens", 1001L)),
            Child(1, 3, Chat, Attr("gen_ai.usage.input_tokens", 1000L), Attr("cpst.cost_usd", 5.5)),
            Child(1, 4, Chat, Attr("gen_ai.usage.input_tokens", 1000L), Attr("cpst.cost_usd", 5.0))));
        var reader = new SpanFactsReader(new LabelValueCache(), range: new PlausibleRange(MaxTokensPerSpan: 1000, MaxCostUsdPerSpan: 5m));
        SpanFacts Read(int i) => reader.Read(batch, batch.Spans[i], reader.ReadResource(batch, batch.Resources[0]));

        Assert.True(Read(0).Implausible);
        Assert.Equal((false, IgnoredFacts.ImplausibleCost, (decimal?)null), (Read(1).Implausible, Read(1).Ignored, Read(1).CallCost));
        Assert.Equal((false, IgnoredFacts.None, (decimal?)5m), (Read(2).Implausible, Read(2).Ignored, Read(2).CallCost));
    }

    [Fact]
    public void ReadPlausible_RefusesImplausibleSpansOnTheBatchAndKeepsTheOthersInOrder()
    {
        SpanBatch batch = Batches.Decode(Request([Attr("service.name", "svc")],
            Child(1, 2, Chat, Attr("gen_ai.usage.input_tokens", 10L)),
            Child(1, 3, Chat, Attr("gen_ai.usage.input_tokens", 1001L)),
            Child(1, 4, Chat, Attr("gen_ai.usage.input_tokens", 30L))));
        var reader = new SpanFactsReader(new LabelValueCache(), range: new PlausibleRange(MaxTokensPerSpan: 1000, MaxCostUsdPerSpan: 5m));
        var facts = new SpanFacts[3];

        int kept = reader.ReadPlausible(batch, new ResourceFacts[1], facts);

        Assert.Equal(2, kept);
        Assert.Equal([10L, 30L], facts[..kept].Select(f => f.Tokens.Input));
        Assert.Equal(1, batch.RejectedFor(RejectionReason.ImplausibleUsage));
        Assert.Equal(2, batch.AcceptedSpans);
        Assert.Contains("Cpst:Limits:MaxTokensPerSpan", batch.RejectionMessage);
    }

    // ---------------------------------------------------------------- subsets

    [Fact]
    public void Read_CacheTokensAboveTheInput_AreAddedToIt()
    {
        // Anthropic's raw input_tokens exclude cache reads and writes (docs/conventions.md).
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.usage.input_tokens", 100L), Attr("gen_ai.usage.cache_read.input_tokens", 800L),
            Attr("gen_ai.usage.cache_write.input_tokens", 100L));

        Assert.Equal(new TokenUsage(1000, 0, 800, 100, 0), facts.Tokens);
    }

    [Fact]
    public void Read_CacheTokensWithinTheInput_LeaveItAsIs()
    {
        // OpenAI, and OpenLLMetry's Anthropic instrumentation, count cache reads inside the input, as the conventions say.
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.usage.input_tokens", 1000L), Attr("gen_ai.usage.cache_read_input_tokens", 400L),
            Attr("gen_ai.usage.cache_creation_input_tokens", 100L));

        Assert.Equal(new TokenUsage(1000, 0, 400, 100, 0), facts.Tokens);
    }

    [Fact]
    public void Read_ReasoningTokensAboveTheOutput_AreAddedToIt()
    {
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.usage.output_tokens", 20L), Attr("gen_ai.usage.reasoning_tokens", 80L));

        Assert.Equal(100, facts.Tokens.Output);
        Assert.Equal(80, facts.Tokens.Reasoning);
    }

    // ---------------------------------------------------------------- role and tools

    [Fact]
    public void Read_ExecuteToolWithGenAiToolName_IsToolCall()
    {
        SpanFacts facts = ReadChild(Attr("gen_ai.operation.name", "execute_tool"), Attr("gen_ai.tool.name", "web_search"));

        Assert.Equal(SpanRole.Tool, facts.Role);
        Assert.Equal("web_search", facts.ToolName);
    }

    [Theory]
    [InlineData("TOOL")]
    [InlineData("tool")]
    public void Read_OpenInferenceToolKindWithToolName_IsToolCall(string kind)
    {
        SpanFacts facts = ReadChild(Attr("openinference.span.kind", kind), Attr("tool.name", "file_search"));

        Assert.Equal(SpanRole.Tool, facts.Role);
        Assert.Equal("file_search", facts.ToolName);
    }

    [Fact]
    public void Read_BothToolNames_GenAiToolNameWins()
    {
        SpanFacts facts = ReadChild(Attr("tool.name", "tool.name"), Attr("gen_ai.operation.name", "execute_tool"), Attr("gen_ai.tool.name", "gen_ai.tool.name"));

        Assert.Equal("gen_ai.tool.name", facts.ToolName);
    }

    [Theory]
    [InlineData("chat")]
    [InlineData("text_completion")]
    [InlineData("generate_content")]
    [InlineData("embeddings")]
    [InlineData("chat.completions")]
    [InlineData("text.completions")]
    public void Read_LlmOperationName_IsLlmCall(string operation)
    {
        SpanFacts facts = ReadChild(Attr("gen_ai.operation.name", operation), Attr("gen_ai.request.model", "m"));

        Assert.Equal(SpanRole.Llm, facts.Role);
        Assert.Equal("m", facts.Model);
    }

    [Fact]
    public void Read_UsageWithoutOperationName_IsLlmCall()
    {
        SpanFacts facts = ReadChild(Attr("gen_ai.request.model", "gpt-4o"), Attr("gen_ai.usage.input_tokens", 10L));

        Assert.Equal(SpanRole.Llm, facts.Role);
        Assert.Equal("gpt-4o", facts.Model);
    }

    [Fact]
    public void Read_SpanWithoutConventions_IsOther()
    {
        SpanFacts facts = ReadChild(Attr("http.method", "GET"), Attr("gen_ai.request.model", "gpt-4o"));

        Assert.Equal(SpanRole.Other, facts.Role);
        Assert.Null(facts.Model);
        Assert.True(facts.Tokens.IsEmpty);
    }

    [Fact]
    public void Read_InvokeAgentSpanWithUsage_IsNotAnLlmCall()
    {
        // The GenAI agent-span conventions put the agent run's total usage on the invoke_agent span, whose chat
        // children carry the same tokens again; only spans without an operation name fall back to "usage means LLM".
        SpanFacts facts = ReadChild(Attr("gen_ai.operation.name", "invoke_agent"), Attr("gen_ai.agent.name", "triage"),
            Attr("gen_ai.request.model", "gpt-4o"), Attr("gen_ai.usage.input_tokens", 3000L), Attr("gen_ai.usage.output_tokens", 400L));

        Assert.Equal(SpanRole.Other, facts.Role);
    }

    [Fact]
    public void Read_UsageWithoutOperationNameOrModel_IsNotACall()
    {
        // Microsoft.Extensions.AI's orchestrate_tools span: the summed usage of the chat calls under it.
        SpanFacts facts = ReadChild(Attr("gen_ai.usage.input_tokens", 2000L), Attr("gen_ai.usage.output_tokens", 400L));

        Assert.Equal(SpanRole.Other, facts.Role);
    }

    [Theory]
    [InlineData("ai.generateText.doGenerate", "Llm")]
    [InlineData("ai.streamText.doStream", "Llm")]
    [InlineData("ai.embed.doEmbed", "Llm")]
    [InlineData("ai.toolCall", "Tool")]
    [InlineData("ai.generateText", "Other")]
    [InlineData("ai.streamText", "Other")]
    public void Read_VercelOperationId_TellsTheRole(string operationId, string role)
    {
        SpanFacts facts = ReadChild(Attr("ai.operationId", operationId), Attr("ai.model.id", "gpt-4o-mini"),
            Attr("ai.toolCall.name", "get_weather"), Attr("ai.usage.cachedInputTokens", 400L), Attr("gen_ai.usage.input_tokens", 1000L));

        Assert.Equal(Enum.Parse<SpanRole>(role), facts.Role);
    }

    [Fact]
    public void Read_VercelDoGenerate_ReadsModelProviderAndTokenDetails()
    {
        SpanFacts facts = ReadChild(Attr("ai.operationId", "ai.generateText.doGenerate"), Attr("gen_ai.system", "openai.chat"),
            Attr("ai.model.provider", "openai.chat"), Attr("ai.model.id", "gpt-4o-mini"),
            Attr("gen_ai.usage.input_tokens", 1000L), Attr("gen_ai.usage.output_tokens", 200L),
            Attr("ai.usage.inputTokenDetails.cacheReadTokens", 400L), Attr("ai.usage.cachedInputTokens", 400L),
            Attr("ai.usage.outputTokenDetails.reasoningTokens", 50L), Attr("ai.usage.reasoningTokens", 50L));

        Assert.Equal(SpanRole.Llm, facts.Role);
        Assert.Equal("gpt-4o-mini", facts.Model);
        Assert.Equal("openai", facts.Provider);
        Assert.Equal(new TokenUsage(1000, 200, 400, 0, 50), facts.Tokens);
    }

    [Fact]
    public void Read_AiToolCallNameWithoutAnOperationId_IsAToolCall()
    {
        // Vercel AI SDK versions before ai.operationId: the span is named ai.toolCall, and only it has ai.toolCall.name.
        var span = Child(1, 2, Attr("ai.toolCall.name", "get_weather"));
        span.Name = "ai.toolCall";

        SpanFacts facts = Read(span, Attr("service.name", "svc"));

        Assert.Equal(SpanRole.Tool, facts.Role);
        Assert.Equal("get_weather", facts.ToolName);
    }

    [Theory]
    [InlineData("openai.chat", "openai")]
    [InlineData("openai.responses", "openai")]
    [InlineData("anthropic.messages", "anthropic")]
    [InlineData("gcp.gemini", "gcp.gemini")]
    [InlineData("azure.ai.openai", "azure.ai.openai")]
    [InlineData(".chat", ".chat")]
    public void Read_ProviderWithAnApiSuffix_IsTheProvider(string value, string provider)
    {
        Assert.Equal(provider, ReadChild(Chat, Attr("gen_ai.system", value)).Provider);
    }

    [Theory]
    [InlineData("tool", "Tool")]
    [InlineData("workflow", "Other")]
    [InlineData("task", "Other")]
    [InlineData("agent", "Other")]
    public void Read_TraceloopSpanKind_ToolsCountAndWorkflowsNever(string kind, string role)
    {
        SpanFacts facts = ReadChild(Attr("traceloop.span.kind", kind), Attr("traceloop.entity.name", "get_weather"),
            Attr("gen_ai.request.model", "gpt-4o"), Attr("gen_ai.usage.input_tokens", 1000L));

        Assert.Equal(Enum.Parse<SpanRole>(role), facts.Role);
        if (role == "Tool") Assert.Equal("get_weather", facts.ToolName);
    }

    [Fact]
    public void Read_OpenInferenceChainWithUsage_IsNotACall()
    {
        SpanFacts facts = ReadChild(Attr("openinference.span.kind", "CHAIN"), Attr("llm.model_name", "gpt-4o"), Attr("llm.token_count.prompt", 10L));

        Assert.Equal(SpanRole.Other, facts.Role);
    }

    [Fact]
    public void Read_PydanticAiReasoningDetail_IsReasoningTokens()
    {
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.usage.output_tokens", 200L), Attr("gen_ai.usage.details.reasoning_tokens", 50L));

        Assert.Equal(50, facts.Tokens.Reasoning);
    }

    // ---------------------------------------------------------------- older and library-specific spellings

    /// <summary>pydantic-ai 1.x's usage details and OpenLLMetry's (up to 0.54) <c>llm.usage.*</c>, each beside the base counts.</summary>
    public static TheoryData<string, string, long> LibraryTokenSpellings => new()
    {
        { "gen_ai.usage.details.cache_read_tokens", "cache_read", 400 },
        { "gen_ai.usage.details.cache_write_tokens", "cache_write", 300 },
        { "gen_ai.usage.details.reasoning_tokens", "reasoning", 50 },
        { "llm.usage.cache_read_input_tokens", "cache_read", 400 },
        { "llm.usage.cache_creation_input_tokens", "cache_write", 300 },
        { "llm.usage.reasoning_tokens", "reasoning", 50 },
    };

    [Theory]
    [MemberData(nameof(LibraryTokenSpellings))]
    public void Read_LibraryTokenSpelling_IsItsTokenClassWithinTheTotals(string key, string tokenType, long count)
    {
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.request.model", "gpt-4o"), Attr("gen_ai.usage.input_tokens", 1000L),
            Attr("gen_ai.usage.output_tokens", 200L), Attr(key, count));

        TokenUsage expected = tokenType switch
        {
            "cache_read" => new TokenUsage(1000, 200, count, 0, 0),
            "cache_write" => new TokenUsage(1000, 200, 0, count, 0),
            "reasoning" => new TokenUsage(1000, 200, 0, 0, count),
            _ => throw new ArgumentOutOfRangeException(nameof(tokenType)),
        };
        Assert.Equal(expected, facts.Tokens);
    }

    [Theory]
    [InlineData("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.details.cache_read_tokens")]
    [InlineData("llm.token_count.prompt_details.cache_read", "llm.usage.cache_read_input_tokens")]
    [InlineData("gen_ai.usage.cache_creation_input_tokens", "gen_ai.usage.details.cache_write_tokens")]
    [InlineData("gen_ai.usage.cache_write.input_tokens", "llm.usage.cache_creation_input_tokens")]
    [InlineData("gen_ai.usage.reasoning.output_tokens", "llm.usage.reasoning_tokens")]
    public void Read_CurrentSpellingBesideAnOlderOne_CurrentWins(string current, string older)
    {
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.request.model", "gpt-4o"), Attr("gen_ai.usage.input_tokens", 1000L),
            Attr("gen_ai.usage.output_tokens", 200L), Attr(older, 7L), Attr(current, 9L));

        Assert.Equal(9, facts.Tokens.CacheRead + facts.Tokens.CacheWrite + facts.Tokens.Reasoning);
    }

    [Fact]
    public void Read_OpenLlmetryOldUsageSpan_IsAnLlmCallWithEveryTokenClass()
    {
        // OpenLLMetry up to 0.54: no operation, no kind; the usage, the model and its own llm.usage.* details.
        SpanFacts facts = ReadChild(Attr("gen_ai.system", "OpenAI"), Attr("llm.request.type", "chat"),
            Attr("gen_ai.request.model", "gpt-4o"), Attr("gen_ai.response.model", "gpt-4o-2024-08-06"),
            Attr("gen_ai.usage.prompt_tokens", 1000L), Attr("gen_ai.usage.completion_tokens", 200L),
            Attr("llm.usage.cache_read_input_tokens", 400L), Attr("llm.usage.cache_creation_input_tokens", 100L),
            Attr("llm.usage.reasoning_tokens", 50L));

        Assert.Equal(SpanRole.Llm, facts.Role);
        Assert.Equal("openai", facts.Provider);
        Assert.Equal("gpt-4o-2024-08-06", facts.Model);
        Assert.Equal(new TokenUsage(1000, 200, 400, 100, 50), facts.Tokens);
    }

    [Fact]
    public void Read_PydanticAiRunningToolSpan_IsAToolCall()
    {
        // pydantic-ai 1.x: 'running tool', no operation, no kind, no usage; the agent's name beside the tool's.
        SpanFacts facts = ReadChild(Attr("gen_ai.tool.name", "get_weather"), Attr("gen_ai.tool.call.id", "call_1"),
            Attr("gen_ai.agent.name", "weather_agent"), Attr("logfire.msg", "running tool: get_weather"));

        Assert.Equal(SpanRole.Tool, facts.Role);
        Assert.Equal("get_weather", facts.ToolName);
    }

    [Theory]
    [InlineData("gen_ai.operation.name", "invoke_agent")]
    [InlineData("openinference.span.kind", "CHAIN")]
    [InlineData("traceloop.span.kind", "task")]
    [InlineData("gen_ai.usage.input_tokens", "")]
    public void Read_ToolNameOnASpanNamingAnOperationKindOrUsage_IsNoToolCall(string key, string value)
    {
        KeyValue other = key == "gen_ai.usage.input_tokens" ? Attr(key, 1000L) : Attr(key, value);

        SpanFacts facts = ReadChild(Attr("gen_ai.tool.name", "get_weather"), other);

        Assert.Equal(SpanRole.Other, facts.Role);
        Assert.Null(facts.ToolName);
    }

    [Fact]
    public void Read_OpenInferenceToolNameWithoutKind_IsNoToolCall()
    {
        // Only gen_ai.tool.name makes a tool call of a span that names nothing else: tool.name is read under the TOOL kind.
        Assert.Equal(SpanRole.Other, ReadChild(Attr("tool.name", "get_weather")).Role);
    }

    [Theory]
    [InlineData("OpenAI", "openai")]
    [InlineData("OPENAI", "openai")]
    [InlineData("Anthropic", "anthropic")]
    [InlineData("OpenAI.Chat", "openai")]
    [InlineData("openai.CHAT", "openai")]
    [InlineData("Azure.AI.OpenAI", "azure.ai.openai")]
    [InlineData("Mistral\u00C9", "mistral\u00C9")]
    public void Read_ProviderInAnyCase_IsWrittenLowerCase(string value, string provider)
    {
        value = System.Text.RegularExpressions.Regex.Unescape(value);
        provider = System.Text.RegularExpressions.Regex.Unescape(provider);

        Assert.Equal(provider, ReadChild(Chat, Attr("gen_ai.provider.name", value)).Provider);
    }

    [Fact]
    public void Read_ProviderSpelledTwoWays_IsOneStringInstance()
    {
        var reader = new SpanFactsReader(new LabelValueCache());
        SpanFacts Provider(string value)
        {
            SpanBatch batch = Batches.Decode(Request([Attr("service.name", "svc")], Child(1, 2, Chat, Attr("gen_ai.system", value))),
                reader.SpanKeys, reader.ResourceKeys);
            return reader.Read(batch, batch.Spans[0], reader.ReadResource(batch, batch.Resources[0]));
        }

        Assert.Same(Provider("openai").Provider, Provider("OpenAI").Provider);
    }

    [Fact]
    public void Read_ProviderLongerThanALabelValue_IsCutLikeAnyValue()
    {
        string value = new string('A', 300);

        Assert.Equal(new string('a', LabelValueCache.MaxValueBytes), ReadChild(Chat, Attr("gen_ai.system", value)).Provider);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_ErrorType_IsReadOnRootAndChild(bool root)
    {
        KeyValue[] attributes = [Attr("gen_ai.operation.name", "invoke_agent"), Attr("error.type", "timeout")];

        SpanFacts facts = root ? ReadRoot(attributes) : ReadChild(attributes);

        Assert.True(facts.ErrorType);
        Assert.Equal(root, facts.IsRoot);
        Assert.False(facts.StatusError);
    }

    [Fact]
    public void Read_NoOrEmptyErrorType_IsNoErrorType()
    {
        Assert.False(ReadRoot(Attr("gen_ai.operation.name", "invoke_agent")).ErrorType);
        Assert.False(ReadRoot(Attr("error.type", "")).ErrorType);
    }

    // ---------------------------------------------------------------- operator conventions

    private static SpanFacts ReadWith(ConventionOptions options, Span span, params KeyValue[] resource)
    {
        SpanBatch batch = Batches.Decode(Request(resource, span));
        var reader = new SpanFactsReader(new LabelValueCache(), options);
        return reader.Read(batch, batch.Spans[0], reader.ReadResource(batch, batch.Resources[0]));
    }

    [Fact]
    public void Read_OperatorAttributeNames_AreTriedBeforeTheBuiltInOnes()
    {
        var options = new ConventionOptions
        {
            Names = new Dictionary<Fact, string[]>
            {
                [Fact.Model] = ["acme.llm.model"], [Fact.InputTokens] = ["acme.llm.tokens_in"], [Fact.OutputTokens] = ["acme.llm.tokens_out"],
                [Fact.UseCase] = ["acme.product"], [Fact.Outcome] = ["acme.verdict"],
            },
        };

        SpanFacts facts = ReadWith(options, Child(1, 2, Attr("acme.llm.model", "house-model"), Attr("gen_ai.request.model", "other"),
            Attr("acme.llm.tokens_in", 300L), Attr("acme.llm.tokens_out", 30L), Attr("acme.verdict", "passed")), Attr("acme.product", "billing"));

        Assert.Equal(SpanRole.Llm, facts.Role); // usage and a model, no operation named
        Assert.Equal("house-model", facts.Model);
        Assert.Equal(new TokenUsage(300, 30, 0, 0, 0), facts.Tokens);
        Assert.Equal("billing", facts.UseCase); // an operator's use case name applies on the resource too
        Assert.Equal(Outcome.Success, facts.Outcome);
    }

    [Fact]
    public void Read_OperatorToolNameAttribute_MakesAToolCall()
    {
        var options = new ConventionOptions { Names = new Dictionary<Fact, string[]> { [Fact.ToolName] = ["acme.tool"] } };

        SpanFacts facts = ReadWith(options, Child(1, 2, Attr("acme.tool", "crm_lookup")), Attr("service.name", "svc"));

        Assert.Equal(SpanRole.Tool, facts.Role);
        Assert.Equal("crm_lookup", facts.ToolName);
    }

    // ---------------------------------------------------------------- explicit costs

    public static TheoryData<string[], string> CostEstimateKeys => new()
    {
        { ["llm.cost.total", "gen_ai.usage.cost"], "gen_ai.usage.cost" },
        { ["cpst.cost_usd", "llm.cost.total"], "llm.cost.total" },
        { ["llm.cost.total"], "llm.cost.total" },
        { ["operation.cost", "llm.cost.total"], "llm.cost.total" },
        { ["operation.cost"], "operation.cost" },
        { ["operation.cost", "gen_ai.usage.cost"], "gen_ai.usage.cost" },
    };

    private static readonly Dictionary<string, double> Costs = new()
    {
        ["gen_ai.usage.cost"] = 0.011,
        ["llm.cost.total"] = 0.022,
        ["operation.cost"] = 0.044,
        ["cpst.cost_usd"] = 0.033,
        ["total_cost"] = 1.25,
        ["cpst.task_cost_usd"] = 2.5,
    };

    [Theory]
    [MemberData(nameof(CostEstimateKeys))]
    public void Read_LibraryCostEstimates_TakesTheFirstConventionPresent(string[] keys, string winner)
    {
        SpanFacts facts = ReadChild([Chat, .. keys.Select(k => Attr(k, Costs[k]))]);

        Assert.Equal((decimal)Costs[winner], facts.CostEstimate);
    }

    [Fact]
    public void Read_ExplicitCostBesideAnEstimate_BothAreKept()
    {
        // The price table sits between them (docs/conventions.md): the pricing stage decides which one applies.
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.usage.cost", 0.011), Attr("cpst.cost_usd", 0.033));

        Assert.Equal(0.033m, facts.CallCost);
        Assert.Equal(0.011m, facts.CostEstimate);
    }

    [Fact]
    public void Read_CostAsDoubleOneTenth_IsExactlyOneTenth()
    {
        SpanFacts facts = ReadChild(Chat, Attr("cpst.cost_usd", 0.1));

        Assert.Equal(0.1m, facts.CallCost);
    }

    [Theory]
    [InlineData(0.3, "0.3")]
    [InlineData(0.000123, "0.000123")]
    [InlineData(12.5, "12.5")]
    public void Read_CostAsDouble_IsTheShortestDecimalOfTheDouble(double cost, string expected)
    {
        SpanFacts facts = ReadChild(Chat, Attr("cpst.cost_usd", cost));

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), facts.CallCost);
    }

    [Fact]
    public void Read_CostAsStringOrInt_IsExact()
    {
        Assert.Equal(0.0123m, ReadChild(Attr("cpst.cost_usd", "0.0123")).CallCost);
        Assert.Equal(2m, ReadChild(Attr("cpst.cost_usd", 2L)).CallCost);
    }

    [Theory]
    [InlineData("cheap")]
    [InlineData("")]
    public void Read_GarbledCost_IsNoCost(string cost)
    {
        SpanFacts facts = ReadChild(Attr("cpst.cost_usd", cost));

        Assert.Null(facts.CallCost);
        Assert.False(facts.Implausible);
    }

    /// <summary>An LLM call with tokens, so what still counts of a span whose cost is ignored shows.</summary>
    private static SpanFacts ReadCallWith(KeyValue cost) =>
        ReadChild(Chat, Attr("gen_ai.request.model", "gpt-4o"), Attr("gen_ai.usage.input_tokens", 1000L), Attr("gen_ai.usage.output_tokens", 10L), cost);

    [Theory]
    [InlineData("-0.5")]
    [InlineData("10000.01")]
    [InlineData("1e20")]
    [InlineData("50000000000000000000000000000")]
    [InlineData("79228162514264337593543950335")]
    [InlineData("1e40")]
    public void Read_CostOutsideThePlausibleRange_IgnoredNotTheSpan(string cost)
    {
        SpanFacts call = ReadCallWith(Attr("cpst.cost_usd", cost));
        SpanFacts root = ReadRoot(Attr("total_cost", cost), Attr("outcome", "success"));
        SpanFacts estimated = ReadCallWith(Attr("gen_ai.usage.cost", cost));
        SpanFacts reported = ReadCallWith(Attr("gen_ai.usage.cost.amount", cost));

        Assert.Equal((SpanRole.Llm, false, IgnoredFacts.ImplausibleCost, (decimal?)null), (call.Role, call.Implausible, call.Ignored, call.CallCost));
        Assert.Equal(new TokenUsage(1000, 10, 0, 0, 0), call.Tokens);                  // the span's other facts still count
        Assert.Equal("gpt-4o", call.Model);
        Assert.Equal((false, IgnoredFacts.ImplausibleCost, (decimal?)null, Outcome.Success), (root.Implausible, root.Ignored, root.TaskCost, root.Outcome));
        Assert.Equal((false, IgnoredFacts.ImplausibleCost, (decimal?)null), (estimated.Implausible, estimated.Ignored, estimated.CostEstimate));
        Assert.Equal((false, IgnoredFacts.ImplausibleCost, (decimal?)null), (reported.Implausible, reported.Ignored, reported.ReportedCost));
    }

    [Theory]
    [InlineData(1e15)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.PositiveInfinity)]
    public void Read_DoubleCostOutsideThePlausibleRange_IgnoredNotTheSpan(double cost)
    {
        SpanFacts call = ReadCallWith(Attr("cpst.cost_usd", cost));

        Assert.Equal((false, IgnoredFacts.ImplausibleCost, (decimal?)null), (call.Implausible, call.Ignored, call.CallCost));
        Assert.Equal(1000, call.Tokens.Input);
    }

    [Fact]
    public void Read_CostAtTheLimit_IsPlausible()
    {
        SpanFacts facts = ReadChild(Attr("cpst.cost_usd", "10000"));

        Assert.False(facts.Implausible);
        Assert.Equal(IgnoredFacts.None, facts.Ignored);
        Assert.Equal(10000m, facts.CallCost);
    }

    [Fact]
    public void Read_ImplausibleCostBesideAPlausibleOne_OnlyTheImplausibleOneIgnored()
    {
        SpanFacts both = ReadChild(Chat, Attr("cpst.cost_usd", -1.0), Attr("gen_ai.usage.cost", 0.011));

        Assert.Equal((IgnoredFacts.ImplausibleCost, (decimal?)null, (decimal?)0.011m), (both.Ignored, both.CallCost, both.CostEstimate));
    }

    [Fact]
    public void ReadPlausible_ImplausibleCost_SpanKeptAndTheAttributeCountedOnTheBatch()
    {
        SpanBatch batch = Batches.Decode(Request([Attr("service.name", "svc")],
            Child(1, 2, Chat, Attr("gen_ai.usage.input_tokens", 10L), Attr("cpst.cost_usd", "-3")),
            Child(1, 3, Chat, Attr("gen_ai.usage.input_tokens", 20L), Attr("gen_ai.usage.cost", double.NaN)),
            Child(1, 4, Chat, Attr("gen_ai.usage.input_tokens", 30L))));
        var reader = new SpanFactsReader(new LabelValueCache());
        var facts = new SpanFacts[3];

        int kept = reader.ReadPlausible(batch, new ResourceFacts[1], facts);

        Assert.Equal(3, kept);
        Assert.Equal([10L, 20L, 30L], facts.Select(f => f.Tokens.Input));
        Assert.Equal(2, batch.IgnoredFor(IgnoredAttributeReason.ImplausibleCost));
        Assert.Equal(0, batch.RejectedSpans);
        Assert.Equal(3, batch.AcceptedSpans);
        Assert.True(batch.IsPartialSuccess);
        Assert.Equal("cost attribute above 10000, or negative or not finite: ignored, the span counts and its cost falls back to the price table (Cpst:Limits:MaxCostUsdPerSpan)",
            batch.RejectionMessage);
    }

    [Fact]
    public void ReadPlausible_ImplausibleTokensAndAnImplausibleCost_TheTokensRejectTheSpanTheCostIsIgnored()
    {
        SpanBatch batch = Batches.Decode(Request([Attr("service.name", "svc")],
            Child(1, 2, Chat, Attr("gen_ai.usage.input_tokens", -10L)),
            Child(1, 3, Chat, Attr("gen_ai.usage.input_tokens", 20L), Attr("cpst.cost_usd", 1e30)),
            Child(1, 4, Chat, Attr("gen_ai.usage.input_tokens", -30L), Attr("cpst.cost_usd", 1e30))));
        var reader = new SpanFactsReader(new LabelValueCache());
        var facts = new SpanFacts[3];

        int kept = reader.ReadPlausible(batch, new ResourceFacts[1], facts);

        Assert.Equal(1, kept);
        Assert.Equal(20, facts[0].Tokens.Input);
        Assert.Equal(2, batch.RejectedFor(RejectionReason.ImplausibleUsage));
        Assert.Equal(1, batch.IgnoredFor(IgnoredAttributeReason.ImplausibleCost)); // a rejected span's cost is not counted as well
        Assert.Contains("Cpst:Limits:MaxTokensPerSpan", batch.RejectionMessage);
    }

    [Theory]
    [InlineData(new[] { "cpst.task_cost_usd", "total_cost" }, "total_cost")]
    [InlineData(new[] { "total_cost", "cpst.task_cost_usd" }, "total_cost")]
    [InlineData(new[] { "cpst.task_cost_usd" }, "cpst.task_cost_usd")]
    public void Read_TaskCostOnRoot_TakesTheFirstConventionPresent(string[] keys, string winner)
    {
        SpanFacts facts = ReadRoot(keys.Select(k => Attr(k, Costs[k])).ToArray());

        Assert.True(facts.IsRoot);
        Assert.Equal((decimal)Costs[winner], facts.TaskCost);
    }

    [Fact]
    public void Read_TaskCostOnChild_IsIgnored()
    {
        SpanFacts facts = ReadChild(Attr("total_cost", 1.25), Attr("cpst.task_cost_usd", 2.5));

        Assert.False(facts.IsRoot);
        Assert.Null(facts.TaskCost);
    }

    // ---------------------------------------------------------------- served service tier

    private static readonly string[] ServiceTierKeys =
    [
        "openai.response.service_tier", "gen_ai.openai.response.service_tier", "openai.request.service_tier",
        "gen_ai.openai.request.service_tier", "cpst.service_tier",
    ];

    public static TheoryData<string[], string> ServiceTierKeyRows => new()
    {
        // keys present (the winner says priority, every other flex), the winner
        { ServiceTierKeys, "openai.response.service_tier" },
        { ServiceTierKeys[1..], "gen_ai.openai.response.service_tier" },
        { ServiceTierKeys[2..], "openai.request.service_tier" },
        { ServiceTierKeys[3..], "gen_ai.openai.request.service_tier" },
        { ServiceTierKeys[4..], "cpst.service_tier" },
        { [.. Enumerable.Reverse(ServiceTierKeys)], "openai.response.service_tier" },
        { ["cpst.service_tier", "gen_ai.openai.response.service_tier"], "gen_ai.openai.response.service_tier" },
    };

    [Theory]
    [MemberData(nameof(ServiceTierKeyRows))]
    public void Read_ServiceTierAttributes_ServedBeforeRequestedInConventionOrder(string[] keys, string winner)
    {
        SpanFacts facts = ReadChild([Chat, .. keys.Select(k => Attr(k, k == winner ? "priority" : "flex"))]);

        Assert.Equal(ServiceTier.Priority, facts.ServiceTier);
    }

    [Fact]
    public void Read_ServedStandardButPriorityRequested_IsStandard()
    {
        // OpenAI serves a priority request at the default tier when it must: the bill follows what was served.
        SpanFacts facts = ReadChild(Chat, Attr("openai.request.service_tier", "priority"), Attr("openai.response.service_tier", "default"));

        Assert.Equal(ServiceTier.Standard, facts.ServiceTier);
        Assert.Equal(IgnoredFacts.None, facts.Ignored);
    }

    public static TheoryData<string, string, bool> ServiceTierSpellings => new()
    {
        // value, tier, ignored as unknown
        { "default", "standard", false },
        { "auto", "standard", false },
        { "standard", "standard", false },
        { "on_demand", "standard", false },
        { "DEFAULT", "standard", false },
        { "Auto", "standard", false },
        { "On_Demand", "standard", false },
        { "flex", "flex", false },
        { "FLEX", "flex", false },
        { "priority", "priority", false },
        { "Priority", "priority", false },
        { "batch", "batch", false },
        { "BATCH", "batch", false },
        { "scale", "standard", true },
        { "turbo", "standard", true },
        { "batches", "standard", true },
    };

    [Theory]
    [MemberData(nameof(ServiceTierSpellings))]
    public void Read_ServiceTierSpelling_MapsToTheTier(string value, string tier, bool unknown)
    {
        SpanFacts facts = ReadChild(Chat, Attr("openai.response.service_tier", value));

        Assert.Equal(tier, facts.ServiceTier.LabelValue());
        Assert.Equal(unknown ? IgnoredFacts.UnknownServiceTier : IgnoredFacts.None, facts.Ignored);
        Assert.False(facts.Implausible);
    }

    [Fact]
    public void Read_NoServiceTierOrAnEmptyOne_IsStandardAndNothingIgnored()
    {
        Assert.Equal((ServiceTier.Standard, IgnoredFacts.None), (ReadChild(Chat).ServiceTier, ReadChild(Chat).Ignored));
        SpanFacts empty = ReadChild(Chat, Attr("openai.response.service_tier", ""), Attr("cpst.service_tier", "flex"));
        Assert.Equal((ServiceTier.Flex, IgnoredFacts.None), (empty.ServiceTier, empty.Ignored)); // an empty value is no value
    }

    [Fact]
    public void Read_ServiceTierOnASpanThatIsNotAnLlmCall_NotRead()
    {
        SpanFacts tool = ReadChild(Attr("gen_ai.operation.name", "execute_tool"), Attr("gen_ai.tool.name", "web_search"), Attr("cpst.service_tier", "scale"));

        Assert.Equal((SpanRole.Tool, ServiceTier.Standard, IgnoredFacts.None), (tool.Role, tool.ServiceTier, tool.Ignored));
    }

    [Fact]
    public void ReadPlausible_UnknownServiceTiers_CountedOnTheBatchAndTheSpansKept()
    {
        SpanBatch batch = Batches.Decode(Request([Attr("service.name", "svc")],
            Child(1, 2, Chat, Attr("openai.response.service_tier", "scale")),
            Child(1, 3, Chat, Attr("openai.response.service_tier", "priority")),
            Child(1, 4, Chat, Attr("cpst.service_tier", "gold"))));
        var reader = new SpanFactsReader(new LabelValueCache());
        var facts = new SpanFacts[3];

        int kept = reader.ReadPlausible(batch, new ResourceFacts[1], facts);

        Assert.Equal(3, kept);
        Assert.Equal([ServiceTier.Standard, ServiceTier.Priority, ServiceTier.Standard], facts.Select(f => f.ServiceTier));
        Assert.Equal(2, batch.IgnoredFor(IgnoredAttributeReason.UnknownServiceTier));
        Assert.Equal(0, batch.IgnoredFor(IgnoredAttributeReason.ImplausibleCost));
        Assert.Equal(0, batch.RejectedSpans);
        Assert.Equal("service tier not one of default, auto, standard, on_demand, flex, priority, batch: the call is priced at standard", batch.RejectionMessage);
    }

    // ---------------------------------------------------------------- 1-hour cache writes

    public static TheoryData<long, long, long, long, long> OneHourWrites => new()
    {
        // input, cache writes, 1-hour writes reported → cache writes read, 1-hour writes read
        { 5000, 1000, 400, 1000, 400 },     // a subset of the writes
        { 5000, 1000, 1000, 1000, 1000 },   // all of them
        { 5000, 300, 1000, 1300, 1000 },    // more than the writes: reported beside the 5-minute ones, so added
        { 5000, 0, 1000, 1000, 1000 },      // only 1-hour writes
        { 5000, 1000, 0, 1000, 0 },
    };

    [Theory]
    [MemberData(nameof(OneHourWrites))]
    public void Read_OneHourCacheWrites_ASubsetOfTheCacheWrites(long input, long writes, long oneHour, long expectedWrites, long expectedOneHour)
    {
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.usage.input_tokens", input), Attr("gen_ai.usage.cache_creation.input_tokens", writes),
            Attr("cpst.usage.cache_write_1h.input_tokens", oneHour));

        Assert.Equal((expectedWrites, expectedOneHour), (facts.Tokens.CacheWrite, facts.CacheWrite1hTokens));
        Assert.Equal(input, facts.Tokens.Input);
    }

    [Fact]
    public void Read_OneHourWritesBesideAnthropicsRawInput_AllWritesAddedToTheInput()
    {
        // Anthropic's input_tokens exclude cached tokens: 200 + 800 read + (100 + 1000) written = 2100.
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.usage.input_tokens", 200L), Attr("gen_ai.usage.cache_read.input_tokens", 800L),
            Attr("gen_ai.usage.cache_write.input_tokens", 100L), Attr("cpst.usage.cache_write_1h.input_tokens", 1000L));

        Assert.Equal(new TokenUsage(2100, 0, 800, 1100, 0), facts.Tokens);
        Assert.Equal(1000, facts.CacheWrite1hTokens);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(100_000_001L)]
    public void Read_OneHourWritesOutsideThePlausibleRange_MarksTheSpanImplausible(long oneHour)
    {
        Assert.True(ReadChild(Chat, Attr("cpst.usage.cache_write_1h.input_tokens", oneHour)).Implausible);
    }

    // ---------------------------------------------------------------- provider-reported cost

    [Fact]
    public void Read_ReportedCost_AmountCurrencyAndSource()
    {
        SpanFacts facts = ReadCallWith(Attr("gen_ai.usage.cost.amount", "0.0123"));
        SpanFacts euros = ReadChild(Chat, Attr("gen_ai.usage.cost.amount", 0.5), Attr("gen_ai.usage.cost.currency", "EUR"),
            Attr("gen_ai.usage.cost.source", "provider"));

        Assert.Equal((0.0123m, (string?)null, false), (facts.ReportedCost, facts.ReportedCostCurrency, facts.ReportedByProvider));
        Assert.Equal((0.5m, "EUR", true), (euros.ReportedCost, euros.ReportedCostCurrency, euros.ReportedByProvider));
        Assert.Null(euros.CostEstimate);
        Assert.Null(euros.CallCost);
    }

    [Theory]
    [InlineData("provider", true)]
    [InlineData("PROVIDER", true)]
    [InlineData("Provider", true)]
    [InlineData("local", false)]
    [InlineData("estimate", false)]
    [InlineData("", false)]
    public void Read_ReportedCostSource_OnlyProviderIsWhatTheProviderBilled(string source, bool byProvider)
    {
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.usage.cost.amount", 0.5), Attr("gen_ai.usage.cost.source", source));

        Assert.Equal(byProvider, facts.ReportedByProvider);
        Assert.Equal(0.5m, facts.ReportedCost);
    }

    // ---------------------------------------------------------------- operator names for the new facts

    [Fact]
    public void Read_OperatorNamesForServiceTierAndOneHourWrites_TriedBeforeTheBuiltInOnes()
    {
        IConfigurationSection section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cpst:Conventions:ServiceTier:0"] = "acme.llm.tier",
            ["Cpst:Conventions:CacheWrite1hTokens:0"] = "acme.llm.cache_hour",
        }).Build().GetSection("Cpst:Conventions");
        ConventionOptions options = ConventionOptions.Read(section);

        SpanFacts facts = ReadWith(options, Child(1, 2, Chat, Attr("acme.llm.tier", "flex"), Attr("openai.response.service_tier", "priority"),
            Attr("gen_ai.usage.input_tokens", 5000L), Attr("gen_ai.usage.cache_write.input_tokens", 2000L),
            Attr("acme.llm.cache_hour", 700L), Attr("cpst.usage.cache_write_1h.input_tokens", 1500L)), Attr("service.name", "svc"));

        Assert.Equal(ServiceTier.Flex, facts.ServiceTier);
        Assert.Equal(700, facts.CacheWrite1hTokens);
        Assert.Equal(2000, facts.Tokens.CacheWrite);
    }

    // ---------------------------------------------------------------- use case, environment, variant

    [Fact]
    public void Read_UseCaseFacts_EachFromItsOwnAttribute()
    {
        // Which one wins is the task stage's rule (root first, docs/conventions.md); the reader reports all three.
        SpanFacts facts = Read(Root(1, Attr("gen_ai.agent.name", "agent"), Attr("cpst.use_case", "support")), Attr("service.name", "host"));

        Assert.Equal("support", facts.UseCase);
        Assert.Equal("agent", facts.AgentName);
        Assert.Equal("host", facts.ServiceName);
    }

    [Fact]
    public void Read_NoUseCaseAttributes_OnlyTheServiceName()
    {
        SpanFacts facts = ReadChild();

        Assert.Null(facts.UseCase);
        Assert.Null(facts.AgentName);
        Assert.Equal("svc", facts.ServiceName);
    }

    [Fact]
    public void Read_UseCaseOnSpanNotResource_CpstUseCaseOnResourceIsIgnored()
    {
        // cpst.use_case is a span attribute; only service.name is read from the resource.
        SpanFacts facts = Read(Root(1), Attr("cpst.use_case", "from-resource"), Attr("service.name", "svc"));

        Assert.Null(facts.UseCase);
        Assert.Equal("svc", facts.ServiceName);
    }

    public static TheoryData<string[], string> EnvironmentKeys => new()
    {
        { ["deployment.environment", "deployment.environment.name"], "deployment.environment.name" },
        { ["deployment.environment.name", "deployment.environment"], "deployment.environment.name" },
        { ["deployment.environment"], "deployment.environment" },
    };

    [Theory]
    [MemberData(nameof(EnvironmentKeys))]
    public void Read_Environment_ResourceAttributesInConventionOrder(string[] keys, string winner)
    {
        SpanFacts facts = Read(Root(1), Named(keys));

        Assert.Equal(winner, facts.Environment);
    }

    [Fact]
    public void Read_EnvironmentOnSpan_IsNotRead()
    {
        SpanFacts facts = Read(Root(1, Attr("deployment.environment.name", "prod")), Attr("service.name", "svc"));

        Assert.Null(facts.Environment);
    }

    [Fact]
    public void Read_Variant_FromCpstVariant()
    {
        Assert.Equal("prompt-v7", ReadRoot(Attr("cpst.variant", "prompt-v7")).Variant);
        Assert.Null(ReadRoot().Variant);
    }

    [Fact]
    public void Read_IntegerLabelValue_IsWrittenInvariant()
    {
        Assert.Equal("42", ReadRoot(Attr("cpst.variant", 42L)).Variant);
        Assert.Equal("-7", ReadRoot(Attr("cpst.variant", -7L)).Variant);
    }

    // ---------------------------------------------------------------- outcome and status

    public static TheoryData<string[], string> OutcomeKeys => new()
    {
        { ["task.outcome", "cpst.outcome", "outcome"], "success" },
        { ["outcome", "task.outcome"], "success" },
        { ["task.outcome", "cpst.outcome"], "failure" },
        { ["task.outcome"], "unknown" },
    };

    [Theory]
    [MemberData(nameof(OutcomeKeys))]
    public void Read_OutcomeAttributes_TakesTheFirstConventionPresent(string[] keys, string expected)
    {
        // outcome says success, cpst.outcome says failure, task.outcome is empty: the value read names the winner.
        var values = new Dictionary<string, string> { ["outcome"] = "success", ["cpst.outcome"] = "failed", ["task.outcome"] = "" };
        SpanFacts facts = ReadRoot(keys.Select(k => Attr(k, values[k])).ToArray());

        Assert.Equal(expected, facts.Outcome.LabelValue());
    }

    public static TheoryData<string, string> OutcomeSpellings => new()
    {
        { "success", "success" },
        { "SUCCESS", "success" },
        { "Succeeded", "success" },
        { "ok", "success" },
        { "OK", "success" },
        { "pass", "success" },
        { "Passed", "success" },
        { "true", "success" },
        { "TRUE", "success" },
        { "resolved", "success" },
        { "ReSoLvEd", "success" },
        { " success\t", "success" },
        { "failed", "failure" },
        { "no", "failure" },
        { "false", "failure" },
        { "error", "failure" },
        { "successful", "failure" },
        { "", "unknown" },
    };

    [Theory]
    [MemberData(nameof(OutcomeSpellings))]
    public void Read_OutcomeSpelling_MapsToOutcome(string value, string expected)
    {
        Assert.Equal(expected, ReadRoot(Attr("outcome", value)).Outcome.LabelValue());
    }

    [Theory]
    [InlineData(true, "success")]
    [InlineData(false, "failure")]
    public void Read_BoolOutcome_TrueIsSuccess(bool value, string expected)
    {
        Assert.Equal(expected, ReadRoot(Attr("cpst.outcome", value)).Outcome.LabelValue());
    }

    [Fact]
    public void Read_NoOutcomeAttribute_IsUnknown()
    {
        Assert.Equal(Outcome.Unknown, ReadRoot(Attr("http.status_code", 200L)).Outcome);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void Read_StatusCode_ErrorOnlyForCodeTwo(int code, bool error)
    {
        Span span = Root(1);
        span.Status = new Status { Code = (Status.Types.StatusCode)code };

        Assert.Equal(error, Read(span).StatusError);
    }

    [Fact]
    public void Read_SpanIdentity_CopiedFromRecord()
    {
        Span span = Child(7, 3);
        SpanFacts facts = Read(span);

        Assert.Equal(CpstExporter.Primitives.TraceId.FromBytes(Spans.TraceId(7)), facts.TraceId);
        Assert.False(facts.IsRoot);
        Assert.Equal(span.EndTimeUnixNano, facts.EndTimeUnixNano);
    }

    [Fact]
    public void Read_SameValueTwice_ReturnsTheCachedString()
    {
        SpanBatch batch = Batches.Decode(Request("svc", Root(1, Attr("cpst.use_case", "support")), Root(2, Attr("cpst.use_case", "support"))));
        var reader = new SpanFactsReader(new LabelValueCache());
        ResourceFacts resource = reader.ReadResource(batch, batch.Resources[0]);

        SpanFacts first = reader.Read(batch, batch.Spans[0], resource);
        SpanFacts second = reader.Read(batch, batch.Spans[1], resource);

        Assert.Same(first.UseCase, second.UseCase);
    }

    [Fact]
    public void Read_EmptyResponseModel_FallsBackToRequestModel()
    {
        SpanFacts facts = ReadChild(Chat, Attr("gen_ai.response.model", ""), Attr("gen_ai.request.model", "gpt-4o"));

        Assert.Equal("gpt-4o", facts.Model);
    }

    [Fact]
    public void Read_EmptyCpstUseCase_IsNoUseCase()
    {
        SpanFacts facts = ReadChild(Attr("cpst.use_case", ""));

        Assert.Null(facts.UseCase);
        Assert.Equal("svc", facts.ServiceName);
    }

    [Fact]
    public void ReadEvaluations_NamesAndLabels_AreStringsOfTheLabelValueCache()
    {
        var batch = new SpanBatch();
        OtlpProtobufReader.Read(Google.Protobuf.MessageExtensions.ToByteArray(
            Evaluations.Request(Evaluations.Record(1, "judge", "Pass", 0.5), Evaluations.Record(2, "judge", score: 1))), batch, ExportSignal.Logs);
        var results = new EvaluationResult[2];

        int count = new SpanFactsReader(new LabelValueCache()).ReadEvaluations(batch, results);

        Assert.Equal(2, count);
        Assert.Equal(new EvaluationResult(CpstExporter.Primitives.TraceId.FromBytes(TraceId(1)), "judge", "Pass", 0.5, null), results[0]);
        Assert.Equal(new EvaluationResult(CpstExporter.Primitives.TraceId.FromBytes(TraceId(2)), "judge", null, 1.0, null), results[1]);
        Assert.Same(results[0].Name, results[1].Name); // one string per name seen
    }
}
