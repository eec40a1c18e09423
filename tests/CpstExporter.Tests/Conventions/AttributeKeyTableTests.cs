using System.Text;
using CpstExporter.Conventions;

namespace CpstExporter.Tests.Conventions;

public class AttributeKeyTableTests
{
    /// <summary>docs/conventions.md, row by row: every span attribute name with its fact and its place in the order.</summary>
    public static TheoryData<string, string, int> SpanNames => new()
    {
        { "cpst.use_case", nameof(Fact.UseCase), 0 },
        { "gen_ai.agent.name", nameof(Fact.AgentName), 0 },
        { "cpst.variant", nameof(Fact.Variant), 0 },
        { "outcome", nameof(Fact.Outcome), 0 },
        { "cpst.outcome", nameof(Fact.Outcome), 1 },
        { "task.outcome", nameof(Fact.Outcome), 2 },
        { "gen_ai.response.model", nameof(Fact.Model), 0 },
        { "gen_ai.request.model", nameof(Fact.Model), 1 },
        { "llm.model_name", nameof(Fact.Model), 2 },
        { "ai.model.id", nameof(Fact.Model), 3 },
        { "gen_ai.provider.name", nameof(Fact.Provider), 0 },
        { "gen_ai.system", nameof(Fact.Provider), 1 },
        { "llm.provider", nameof(Fact.Provider), 2 },
        { "llm.system", nameof(Fact.Provider), 3 },
        { "ai.model.provider", nameof(Fact.Provider), 4 },
        { "gen_ai.usage.input_tokens", nameof(Fact.InputTokens), 0 },
        { "gen_ai.usage.prompt_tokens", nameof(Fact.InputTokens), 1 },
        { "llm.token_count.prompt", nameof(Fact.InputTokens), 2 },
        { "gen_ai.usage.output_tokens", nameof(Fact.OutputTokens), 0 },
        { "gen_ai.usage.completion_tokens", nameof(Fact.OutputTokens), 1 },
        { "llm.token_count.completion", nameof(Fact.OutputTokens), 2 },
        { "gen_ai.usage.cache_read.input_tokens", nameof(Fact.CacheReadTokens), 0 },
        { "gen_ai.usage.cache_read_input_tokens", nameof(Fact.CacheReadTokens), 1 },
        { "llm.token_count.prompt_details.cache_read", nameof(Fact.CacheReadTokens), 2 },
        { "ai.usage.inputTokenDetails.cacheReadTokens", nameof(Fact.CacheReadTokens), 3 },
        { "ai.usage.cachedInputTokens", nameof(Fact.CacheReadTokens), 4 },
        { "gen_ai.usage.details.cache_read_tokens", nameof(Fact.CacheReadTokens), 5 },
        { "llm.usage.cache_read_input_tokens", nameof(Fact.CacheReadTokens), 6 },
        { "gen_ai.usage.cache_write.input_tokens", nameof(Fact.CacheWriteTokens), 0 },
        { "gen_ai.usage.cache_creation.input_tokens", nameof(Fact.CacheWriteTokens), 1 },
        { "gen_ai.usage.cache_creation_input_tokens", nameof(Fact.CacheWriteTokens), 2 },
        { "llm.token_count.prompt_details.cache_write", nameof(Fact.CacheWriteTokens), 3 },
        { "ai.usage.inputTokenDetails.cacheWriteTokens", nameof(Fact.CacheWriteTokens), 4 },
        { "gen_ai.usage.details.cache_write_tokens", nameof(Fact.CacheWriteTokens), 5 },
        { "llm.usage.cache_creation_input_tokens", nameof(Fact.CacheWriteTokens), 6 },
        { "gen_ai.usage.reasoning.output_tokens", nameof(Fact.ReasoningTokens), 0 },
        { "gen_ai.usage.reasoning_tokens", nameof(Fact.ReasoningTokens), 1 },
        { "gen_ai.usage.details.reasoning_tokens", nameof(Fact.ReasoningTokens), 2 },
        { "llm.token_count.completion_details.reasoning", nameof(Fact.ReasoningTokens), 3 },
        { "ai.usage.outputTokenDetails.reasoningTokens", nameof(Fact.ReasoningTokens), 4 },
        { "ai.usage.reasoningTokens", nameof(Fact.ReasoningTokens), 5 },
        { "llm.usage.reasoning_tokens", nameof(Fact.ReasoningTokens), 6 },
        { "cpst.usage.cache_write_1h.input_tokens", nameof(Fact.CacheWrite1hTokens), 0 },
        { "openai.response.service_tier", nameof(Fact.ServiceTier), 0 },
        { "gen_ai.openai.response.service_tier", nameof(Fact.ServiceTier), 1 },
        { "openai.request.service_tier", nameof(Fact.ServiceTier), 2 },
        { "gen_ai.openai.request.service_tier", nameof(Fact.ServiceTier), 3 },
        { "cpst.service_tier", nameof(Fact.ServiceTier), 4 },
        { "gen_ai.usage.cost.amount", nameof(Fact.ReportedCost), 0 },
        { "gen_ai.usage.cost.currency", nameof(Fact.ReportedCostCurrency), 0 },
        { "gen_ai.usage.cost.source", nameof(Fact.ReportedCostSource), 0 },
        { "gen_ai.operation.name", nameof(Fact.Operation), 0 },
        { "ai.operationId", nameof(Fact.VercelOperation), 0 },
        { "gen_ai.tool.name", nameof(Fact.ToolName), 0 },
        { "tool.name", nameof(Fact.ToolName), 1 },
        { "traceloop.entity.name", nameof(Fact.ToolName), 2 },
        { "ai.toolCall.name", nameof(Fact.ToolName), 3 },
        { "openinference.span.kind", nameof(Fact.OpenInferenceKind), 0 },
        { "traceloop.span.kind", nameof(Fact.TraceloopKind), 0 },
        { "error.type", nameof(Fact.ErrorType), 0 },
        { "cpst.cost_usd", nameof(Fact.CallCost), 0 },
        { "gen_ai.usage.cost", nameof(Fact.CostEstimate), 0 },
        { "llm.cost.total", nameof(Fact.CostEstimate), 1 },
        { "operation.cost", nameof(Fact.CostEstimate), 2 },
        { "total_cost", nameof(Fact.TaskCost), 0 },
        { "cpst.task_cost_usd", nameof(Fact.TaskCost), 1 },
    };

    [Theory]
    [MemberData(nameof(SpanNames))]
    public void TryMatch_SpanConventionName_GivesFactAndRank(string key, string fact, int rank)
    {
        Assert.True(AttributeKeyTable.Span.TryMatch(Encoding.UTF8.GetBytes(key), out Fact matched, out int matchedRank));
        Assert.Equal(Enum.Parse<Fact>(fact), matched);
        Assert.Equal(rank, matchedRank);
    }

    [Theory]
    [InlineData("service.name", nameof(Fact.ServiceName), 0)]
    [InlineData("deployment.environment.name", nameof(Fact.Environment), 0)]
    [InlineData("deployment.environment", nameof(Fact.Environment), 1)]
    public void TryMatch_ResourceConventionName_GivesFactAndRank(string key, string fact, int rank)
    {
        Assert.True(AttributeKeyTable.Resource.TryMatch(Encoding.UTF8.GetBytes(key), out Fact matched, out int matchedRank));
        Assert.Equal(Enum.Parse<Fact>(fact), matched);
        Assert.Equal(rank, matchedRank);
    }

    [Fact]
    public void SpanNames_EveryNameOfTheTable_IsARowAbove()
    {
        // A name added to the conventions without a row here (its fact and rank pinned) fails this test.
        int names = 0;
        while (AttributeKeyTable.Span.FromCode(names, out _, out _)) names++;

        Assert.Equal(SpanNames.Count(), names);
    }

    [Theory]
    [InlineData("gen_ai.usage.cost.amounts")]
    [InlineData("openai.service_tier")]
    [InlineData("cpst.usage.cache_write_1h")]
    [InlineData("operation.costs")]
    public void TryMatch_NearNameOfANewFact_DoesNotMatch(string key)
    {
        Assert.False(AttributeKeyTable.Span.TryMatch(Encoding.UTF8.GetBytes(key), out _, out _));
    }

    [Fact]
    public void ForSpans_OperatorNamesForServiceTierAndOneHourWrites_TriedFirst()
    {
        var options = new ConventionOptions
        {
            Names = new Dictionary<Fact, string[]> { [Fact.ServiceTier] = ["acme.tier"], [Fact.CacheWrite1hTokens] = ["acme.cache_1h"] },
        };
        AttributeKeyTable table = AttributeKeyTable.ForSpans(options);

        Assert.Equal(0, table.RankOf(Fact.ServiceTier, "acme.tier"));
        Assert.Equal(1, table.RankOf(Fact.ServiceTier, "openai.response.service_tier"));
        Assert.Equal(5, table.RankOf(Fact.ServiceTier, "cpst.service_tier"));
        Assert.Equal(0, table.RankOf(Fact.CacheWrite1hTokens, "acme.cache_1h"));
        Assert.Equal(1, table.RankOf(Fact.CacheWrite1hTokens, "cpst.usage.cache_write_1h.input_tokens"));
        Assert.True(table.IsOperatorName(Fact.ServiceTier, 0));
        Assert.False(table.IsOperatorName(Fact.ServiceTier, 1));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Outcome")]
    [InlineData("outcome ")]
    [InlineData("gen_ai.usage.input_token")]
    [InlineData("gen_ai.usage.input_tokens2")]
    [InlineData("xen_ai.usage.input_tokens")]
    [InlineData("gen_ai.usage.total_tokens")]
    [InlineData("service.name")]
    [InlineData("http.method")]
    public void TryMatch_OtherName_DoesNotMatch(string key)
    {
        Assert.False(AttributeKeyTable.Span.TryMatch(Encoding.UTF8.GetBytes(key), out _, out _));
    }

    [Fact]
    public void ForSpans_OperatorNames_AreTriedBeforeTheBuiltInOnes()
    {
        var options = new ConventionOptions { Names = new Dictionary<Fact, string[]> { [Fact.InputTokens] = ["acme.tokens.in", "acme.in"] } };
        AttributeKeyTable table = AttributeKeyTable.ForSpans(options);

        Assert.True(table.TryMatch("acme.tokens.in"u8, out Fact fact, out int rank));
        Assert.Equal((Fact.InputTokens, 0), (fact, rank));
        Assert.True(table.TryMatch("acme.in"u8, out _, out rank));
        Assert.Equal(1, rank);
        Assert.True(table.TryMatch("gen_ai.usage.input_tokens"u8, out _, out rank));
        Assert.Equal(2, rank);
        Assert.True(table.IsOperatorName(Fact.InputTokens, 1));
        Assert.False(table.IsOperatorName(Fact.InputTokens, 2));
    }

    [Theory]
    [InlineData("cpst.use_case")]
    [InlineData("deployment.environment.nam")]
    [InlineData("service.namespace")]
    public void TryMatch_SpanOnlyOrNearName_DoesNotMatchResourceTable(string key)
    {
        Assert.False(AttributeKeyTable.Resource.TryMatch(Encoding.UTF8.GetBytes(key), out _, out _));
    }
}
