using System.Text;
using CpstExporter.Conventions;
using Xunit;

namespace CpstExporter.Tests.Conventions;

public class AttributeKeyTableTests
{
    /// <summary>DESIGN.md §3, row by row: every span attribute name with its fact and its place in the order.</summary>
    public static TheoryData<string, string, int> SpanNames => new()
    {
        { "cpst.use_case", nameof(Fact.UseCase), 0 },
        { "gen_ai.agent.name", nameof(Fact.UseCase), 1 },
        { "cpst.variant", nameof(Fact.Variant), 0 },
        { "outcome", nameof(Fact.Outcome), 0 },
        { "cpst.outcome", nameof(Fact.Outcome), 1 },
        { "task.outcome", nameof(Fact.Outcome), 2 },
        { "gen_ai.response.model", nameof(Fact.Model), 0 },
        { "gen_ai.request.model", nameof(Fact.Model), 1 },
        { "llm.model_name", nameof(Fact.Model), 2 },
        { "gen_ai.provider.name", nameof(Fact.Provider), 0 },
        { "gen_ai.system", nameof(Fact.Provider), 1 },
        { "llm.provider", nameof(Fact.Provider), 2 },
        { "llm.system", nameof(Fact.Provider), 3 },
        { "gen_ai.usage.input_tokens", nameof(Fact.InputTokens), 0 },
        { "gen_ai.usage.prompt_tokens", nameof(Fact.InputTokens), 1 },
        { "llm.token_count.prompt", nameof(Fact.InputTokens), 2 },
        { "gen_ai.usage.output_tokens", nameof(Fact.OutputTokens), 0 },
        { "gen_ai.usage.completion_tokens", nameof(Fact.OutputTokens), 1 },
        { "llm.token_count.completion", nameof(Fact.OutputTokens), 2 },
        { "gen_ai.usage.cache_read.input_tokens", nameof(Fact.CacheReadTokens), 0 },
        { "gen_ai.usage.cache_read_input_tokens", nameof(Fact.CacheReadTokens), 1 },
        { "llm.token_count.prompt_details.cache_read", nameof(Fact.CacheReadTokens), 2 },
        { "gen_ai.usage.cache_creation.input_tokens", nameof(Fact.CacheWriteTokens), 0 },
        { "gen_ai.usage.cache_creation_input_tokens", nameof(Fact.CacheWriteTokens), 1 },
        { "llm.token_count.prompt_details.cache_write", nameof(Fact.CacheWriteTokens), 2 },
        { "gen_ai.usage.reasoning.output_tokens", nameof(Fact.ReasoningTokens), 0 },
        { "llm.token_count.completion_details.reasoning", nameof(Fact.ReasoningTokens), 1 },
        { "gen_ai.operation.name", nameof(Fact.Operation), 0 },
        { "gen_ai.tool.name", nameof(Fact.ToolName), 0 },
        { "tool.name", nameof(Fact.ToolName), 1 },
        { "openinference.span.kind", nameof(Fact.OpenInferenceKind), 0 },
        { "gen_ai.usage.cost", nameof(Fact.CallCost), 0 },
        { "llm.cost.total", nameof(Fact.CallCost), 1 },
        { "cpst.cost_usd", nameof(Fact.CallCost), 2 },
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
    [InlineData("service.name", nameof(Fact.UseCase), 2)]
    [InlineData("deployment.environment.name", nameof(Fact.Environment), 0)]
    [InlineData("deployment.environment", nameof(Fact.Environment), 1)]
    public void TryMatch_ResourceConventionName_GivesFactAndRank(string key, string fact, int rank)
    {
        Assert.True(AttributeKeyTable.Resource.TryMatch(Encoding.UTF8.GetBytes(key), out Fact matched, out int matchedRank));
        Assert.Equal(Enum.Parse<Fact>(fact), matched);
        Assert.Equal(rank, matchedRank);
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

    [Theory]
    [InlineData("cpst.use_case")]
    [InlineData("deployment.environment.nam")]
    [InlineData("service.namespace")]
    public void TryMatch_SpanOnlyOrNearName_DoesNotMatchResourceTable(string key)
    {
        Assert.False(AttributeKeyTable.Resource.TryMatch(Encoding.UTF8.GetBytes(key), out _, out _));
    }
}
