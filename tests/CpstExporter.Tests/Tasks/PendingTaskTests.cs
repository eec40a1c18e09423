using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;

namespace CpstExporter.Tests.Tasks;

public class PendingTaskTests
{
    private static PendingTask Task() => new(new TraceId(1, 2), firstSeenMs: 1_000);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 5)]
    [InlineData(6, 6)]
    [InlineData(7, int.MaxValue)]
    [InlineData(-1, int.MaxValue)]
    [InlineData(int.MaxValue, int.MaxValue)]
    public void UseCaseRank_SharesTheFlagsByte_NeitherDisturbsTheOther(int set, int read)
    {
        PendingTask task = Task();
        Assert.Equal(int.MaxValue, task.UseCaseRank);
        task.UseCaseFinal = task.CallsCounted = task.EnvironmentFromRoot = task.VariantFromRoot = task.RootError = true;

        task.UseCaseRank = set;

        Assert.Equal(read, task.UseCaseRank);
        Assert.True(task.UseCaseFinal && task.CallsCounted && task.EnvironmentFromRoot && task.VariantFromRoot && task.RootError);
        task.UseCaseFinal = task.CallsCounted = task.EnvironmentFromRoot = task.VariantFromRoot = task.RootError = false;
        Assert.Equal(read, task.UseCaseRank);
        task.CallsCounted = true;
        Assert.False(task.UseCaseFinal || task.EnvironmentFromRoot || task.VariantFromRoot || task.RootError);
    }

    [Fact]
    public void ModelCalls_TheTasksLessTheOtherModels()
    {
        PendingTask task = Task();
        task.LlmCalls = 6;
        task.AddModelCost("a", 0.003m);
        task.AddModelCost("b", 0.002m, calls: 2);
        task.AddModelCost("c", 0.001m, calls: 1);

        Assert.Equal(3, task.ModelCalls());
        Assert.Equal([3, 2, 1], task.Breakdown().Calls().Select(c => c.Calls));
    }

    [Fact]
    public void PrimaryModel_NoModel_IsNone()
    {
        Assert.Equal("none", Task().PrimaryModel());
    }

    [Fact]
    public void PrimaryModel_LargestCostAcrossCalls()
    {
        PendingTask task = Task();
        task.AddModelCost("a", 0.003m);
        task.AddModelCost("b", 0.002m);
        task.AddModelCost("b", 0.002m);
        task.AddModelCost("c", 0.0035m);

        Assert.Equal("b", task.PrimaryModel());
    }

    [Fact]
    public void Extras_OneModelNoTaskCost_NotMade()
    {
        PendingTask task = Task();
        task.AddModelCost("a", 0.003m);
        task.AddModelCost("a", 0.002m);
        task.TaskCostUsd = null;

        Assert.Null(task.Extras);
        Assert.Equal(0.005m, task.ModelCostUsd);
    }

    [Fact]
    public void Extras_SecondModelOrTaskCost_Made()
    {
        PendingTask twoModels = Task(), taskCost = Task();
        twoModels.AddModelCost("a", 0.003m);
        twoModels.AddModelCost("b", 0.002m);
        taskCost.TaskCostUsd = 0.5m;

        Assert.Equal(1, twoModels.OtherModels!.Count);
        Assert.Equal(new CallShare(SpanRole.Llm, "b", 1, 0, 0, 0.002m), twoModels.OtherModels[0]);
        Assert.Equal(0.5m, taskCost.TotalCostUsd);
    }

    [Fact]
    public void PrimaryModel_FirstModelStillWinsWhenLargest()
    {
        PendingTask task = Task();
        task.AddModelCost("a", 0.01m);
        task.AddModelCost("b", 0.002m);
        task.AddModelCost("c", 0.003m);

        Assert.Equal("a", task.PrimaryModel());
    }

    [Fact]
    public void PrimaryModel_EqualCost_MostCalls()
    {
        PendingTask task = Task();
        task.AddModelCost("a", 0m);
        task.AddModelCost("b", 0m);
        task.AddModelCost("b", 0m);

        Assert.Equal("b", task.PrimaryModel());
    }

    [Fact]
    public void DeadlineMs_WithoutSignal_WindowFromFirstSeen_WithSignal_SettleFromLastActivity()
    {
        PendingTask task = Task();
        task.LastActivityMs = 4_000;

        Assert.Equal(1_000 + 900_000, task.DeadlineMs(5_000, 900_000));

        task.OutcomeSource = OutcomeSource.Span;
        task.Outcome = Outcome.Success;
        Assert.Equal(4_000 + 5_000, task.DeadlineMs(5_000, 900_000));
    }

    [Fact]
    public void FinalOutcome_RootErrorOnly_IsFailure_OutcomeWins()
    {
        PendingTask task = Task();
        task.RootError = true;
        Assert.True(task.HasOutcomeSignal);
        Assert.Equal(Outcome.Failure, task.FinalOutcome());

        task.Outcome = Outcome.Success;
        Assert.Equal(Outcome.Success, task.FinalOutcome());
    }

    [Fact]
    public void TotalCostUsd_TaskCostReplacesSpanSum()
    {
        PendingTask task = Task();
        task.SpanCostUsd = 0.3m;
        Assert.Equal(0.3m, task.TotalCostUsd);

        task.TaskCostUsd = 0m;
        Assert.Equal(0m, task.TotalCostUsd);
    }

    private static bool Merge(PendingTask task, SpanFacts span, decimal cost = 0m, long nowMs = 2_000)
    {
        task.Spans.TryArrive(span.SpanId, span.ParentSpanId, out int index);
        return task.Merge(in span, Priced.At(cost), index, nowMs);
    }

    [Fact]
    public void Merge_ChildThenRoot_RootsFactsWinAndFixTheUseCase()
    {
        PendingTask task = Task();
        task.Spans = new SpanTable(SpanTable.InitialCapacity);

        Merge(task, new SpanFacts { SpanId = 2, ParentSpanId = 1, AgentName = "child-agent", Environment = "staging", Outcome = Outcome.Failure });
        Assert.Equal("child-agent", task.UseCase);
        Assert.False(task.UseCaseFinal);

        bool rootHasWork = Merge(task, new SpanFacts { SpanId = 1, IsRoot = true, ServiceName = "support", Environment = "prod", Outcome = Outcome.Success });
        Merge(task, new SpanFacts { SpanId = 3, ParentSpanId = 1, UseCase = "explicit" }, nowMs: 3_000);

        Assert.True(rootHasWork);
        Assert.Equal("support", task.UseCase); // final once the root came
        Assert.True(task.UseCaseFinal);
        Assert.Equal("prod", task.Environment);
        Assert.Equal((Outcome.Success, OutcomeSource.Root), (task.Outcome, task.OutcomeSource));
        Assert.Equal(3_000, task.LastActivityMs);
    }

    [Fact]
    public void Merge_ToolCallCounts_SpanWithoutACallAddsOnlyItsExplicitCost()
    {
        PendingTask task = Task();
        task.Spans = new SpanTable(SpanTable.InitialCapacity);

        bool tool = Merge(task, new SpanFacts { SpanId = 2, ParentSpanId = 1, Role = SpanRole.Tool, ToolName = "web_search" }, cost: 0.01m);
        bool other = Merge(task, new SpanFacts { SpanId = 3, ParentSpanId = 1 }, cost: 0.5m);

        Assert.True(tool);
        Assert.False(other);
        Assert.Equal(0.5m, task.SpanCostUsd); // the tool's cost is added when its call is counted (AddCall)
    }

    [Fact]
    public void AddCall_LlmAndTool_AddToTotalsAndShares()
    {
        PendingTask task = Task();

        task.AddCall(new CountedCall(SpanRole.Llm, "openai", "gpt-4o", null, new TokenUsage(100, 10, 40, 0, 5), 0.002m, false));
        task.AddCall(new CountedCall(SpanRole.Tool, null, null, "web_search", default, 0.01m, false));

        Assert.Equal((1, 1), (task.LlmCalls, task.ToolCalls));
        Assert.Equal((100L, 10L, 40L, 5L), (task.InputTokens, task.OutputTokens, task.CacheReadTokens, task.ReasoningTokens));
        Assert.Equal(0.012m, task.SpanCostUsd);
        Assert.Equal(0.01m, task.ToolCostUsd);
        Assert.Equal(new TaskLabels("unknown", Outcome.Unknown, "gpt-4o", "none", "none"), task.Labels());
    }

    private static CountedCall Call(string model, decimal cost, PricingBasis basis, ServiceTier tier) =>
        new(SpanRole.Llm, "openai", model, null, new TokenUsage(100, 10, 0, 0, 0), cost, false, basis, tier);

    [Fact]
    public void AddCall_CallsPricedAlike_CountedWithoutExtras()
    {
        PendingTask task = Task();

        task.AddCall(Call("gpt-5", 0.01m, PricingBasis.Table, ServiceTier.Priority));
        task.AddCall(Call("gpt-5", 0.01m, PricingBasis.Table, ServiceTier.Priority));
        task.AddCall(Call("gpt-5", 0.01m, PricingBasis.Table, ServiceTier.Priority));

        Assert.Null(task.Extras); // three calls priced alike fit in the task's byte
        PricingMix pricing = task.ModelPricing();
        Assert.Equal((3, 0, 3, 0), (pricing.Calls(PricingBasis.Table), pricing.Calls(PricingBasis.TableLongContext),
            pricing.Calls(ServiceTier.Priority), pricing.Calls(ServiceTier.Standard)));
    }

    [Fact]
    public void AddCall_ACallPricedOtherwise_CountsEveryBasisAndTier()
    {
        PendingTask task = Task();

        task.AddCall(Call("gpt-5", 0.01m, PricingBasis.Table, ServiceTier.Standard));
        task.AddCall(Call("gpt-5", 0.01m, PricingBasis.Table, ServiceTier.Standard));
        task.AddCall(Call("gpt-5", 0.02m, PricingBasis.TableLongContext, ServiceTier.Flex));
        task.AddCall(Call("gpt-5", 0.01m, PricingBasis.Table, ServiceTier.Standard));

        PricingMix pricing = task.ModelPricing();
        Assert.Equal((3, 1), (pricing.Calls(PricingBasis.Table), pricing.Calls(PricingBasis.TableLongContext)));
        Assert.Equal((3, 1, 0), (pricing.Calls(ServiceTier.Standard), pricing.Calls(ServiceTier.Flex), pricing.Calls(ServiceTier.Priority)));
        CallShare first = task.Breakdown().FirstModel;
        Assert.Equal((4, 0.05m), (first.Calls, first.CostUsd));
        Assert.Equal(pricing, first.Pricing);
    }

    [Fact]
    public void Breakdown_SecondModel_KeepsItsOwnPricing()
    {
        PendingTask task = Task();

        task.AddCall(Call("gpt-5", 0.01m, PricingBasis.Table, ServiceTier.Standard));
        task.AddCall(Call("claude-sonnet-4-5", 1.5225m, PricingBasis.TableLongContext, ServiceTier.Standard));
        task.AddCall(Call("claude-sonnet-4-5", 0.5m, PricingBasis.ProviderReported, ServiceTier.Batch));

        TaskBreakdown breakdown = task.Breakdown();
        CallShare[] calls = breakdown.Calls();
        breakdown.ReturnCalls();
        Assert.Equal(PricingMix.Of(PricingBasis.Table, ServiceTier.Standard, 1), calls[0].Pricing);
        PricingMix second = calls[1].Pricing;
        Assert.Equal(("claude-sonnet-4-5", 2), (calls[1].Name, calls[1].Calls));
        Assert.Equal((1, 1, 1, 1), (second.Calls(PricingBasis.TableLongContext), second.Calls(PricingBasis.ProviderReported),
            second.Calls(ServiceTier.Standard), second.Calls(ServiceTier.Batch)));
    }

    [Fact]
    public void Reset_PooledTask_ForgetsThePricingOfItsLastUse()
    {
        PendingTask task = Task();
        task.AddCall(Call("gpt-5", 0.01m, PricingBasis.Table, ServiceTier.Standard));
        task.AddCall(Call("gpt-5", 0.01m, PricingBasis.Explicit, ServiceTier.Priority));

        task.Reset(new TraceId(3, 4), 2_000);
        task.LlmCalls = 1;
        task.AddModelCost("gpt-5", 0.01m, 1, 0, 0, PricingMix.Of(PricingBasis.Table, ServiceTier.Flex, 1));

        Assert.Equal(PricingMix.Of(PricingBasis.Table, ServiceTier.Flex, 1), task.ModelPricing());
    }
}
