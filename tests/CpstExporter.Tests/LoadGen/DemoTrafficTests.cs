extern alias LoadGen;
using System.Globalization;
using LoadGen::CpstExporter.LoadGen.Demo;

namespace CpstExporter.Tests.LoadGen;

/// <summary>
/// Each demo scenario moves the CPST driver it is named after, from the end of the warm-up on and not before, by
/// enough to cross the threshold of the alert that watches that driver (prometheus/rules/cpst-alerts.yml), and
/// leaves the other drivers and use cases alone. Traffic is generated without a network or a clock.
/// </summary>
public sealed class DemoTrafficTests
{
    private const double Warmup = 1000, Horizon = 2000, Rate = 10;

    private static DemoPlan Plan(Scenario scenario, int seed = 42, double warmup = Warmup) =>
        new() { Scenario = scenario, TasksPerSecond = Rate, WarmupSeconds = warmup, Seed = seed };

    private static (TrafficStats Before, TrafficStats After) Drivers(Scenario scenario, string useCase)
    {
        List<PlannedTask> traffic = TrafficStats.Generate(Plan(scenario), Horizon);
        return (TrafficStats.Of(traffic, useCase, 0, Warmup), TrafficStats.Of(traffic, useCase, Warmup, Horizon));
    }

    private static void Near(double expected, double actual, double relative, string what) =>
        Assert.True(Math.Abs(actual - expected) <= Math.Abs(expected) * relative,
            string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected:G4} ± {relative:P0}, was {actual:G4}"));

    /// <summary>Scenario names as the command line spells them (the enum is internal to the load generator).</summary>
    public static TheoryData<string> Scenarios => [.. ScenarioNames.All];

    private static Scenario Parse(string name) => ScenarioNames.TryParse(name, out Scenario scenario) ? scenario : throw new ArgumentException(name);

    [Fact]
    public void Next_SameSeed_SameTasks()
    {
        Assert.Equal(Describe(TrafficStats.Generate(Plan(Scenario.QualityDrop), 300)), Describe(TrafficStats.Generate(Plan(Scenario.QualityDrop), 300)));
        Assert.NotEqual(Describe(TrafficStats.Generate(Plan(Scenario.None, seed: 1), 300)), Describe(TrafficStats.Generate(Plan(Scenario.None, seed: 2), 300)));
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Next_BeforeWarmup_SameTasksAsWithoutScenario(string name)
    {
        Scenario scenario = Parse(name);
        List<PlannedTask> steady = TrafficStats.Generate(Plan(Scenario.None, warmup: 300), 300);
        List<PlannedTask> changed = TrafficStats.Generate(Plan(scenario, warmup: 300), 300);

        Assert.Equal(Describe(steady), Describe(changed));
        Assert.DoesNotContain(changed, p => p.Task.Changed);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Next_AfterWarmup_OtherUseCasesUnchanged(string name)
    {
        Scenario scenario = Parse(name);
        List<PlannedTask> traffic = TrafficStats.Generate(Plan(scenario), Horizon);
        string target = Plan(scenario).Target.Name;
        foreach (UseCaseProfile other in UseCaseProfiles.All.Where(p => p.Name != target))
        {
            TrafficStats before = TrafficStats.Of(traffic, other.Name, 0, Warmup), after = TrafficStats.Of(traffic, other.Name, Warmup, Horizon);
            Assert.DoesNotContain(after.Tasks, t => t.Changed);
            Near(before.TasksPerSecond, after.TasksPerSecond, 0.1, $"{other.Name} tasks per second");
            Near(before.LlmCallsPerTask, after.LlmCallsPerTask, 0.05, $"{other.Name} LLM calls per task");
            Near(before.OutputTokensPerCall, after.OutputTokensPerCall, 0.05, $"{other.Name} output tokens per call");
            Near(before.SuccessRatio, after.SuccessRatio, 0.1, $"{other.Name} success ratio");
        }
    }

    [Fact]
    public void VerbosePrompt_AfterWarmup_RaisesOutputTokensPerCallNotCallsPerTask()
    {
        var (before, after) = Drivers(Scenario.VerbosePrompt, "support-bot");

        // OutputTokensPerCallSurge fires above 1.5 times the baseline.
        Assert.True(after.OutputTokensPerCall > 2 * before.OutputTokensPerCall, $"before: {before}; after: {after}");
        Near(before.LlmCallsPerTask, after.LlmCallsPerTask, 0.05, "LLM calls per task");
        Near(before.ToolCallsPerTask, after.ToolCallsPerTask, 0.05, "tool calls per task");
        Near(before.SuccessRatio, after.SuccessRatio, 0.05, "success ratio");
        // Output is the dear part of a call: CPST rises by almost half, over CpstSpike's default factor of 1.4.
        Assert.True(after.Cpst > 1.4 * before.Cpst, $"before: {before}; after: {after}");
    }

    [Fact]
    public void AgentLoops_AfterWarmup_RaisesLlmCallsPerTaskNotTokensPerCall()
    {
        var (before, after) = Drivers(Scenario.AgentLoops, "coding-agent");

        // AgentLoopSuspected fires at more than twice the baseline and at least 2 calls more.
        Assert.True(after.LlmCallsPerTask > 2 * before.LlmCallsPerTask && after.LlmCallsPerTask - before.LlmCallsPerTask >= 2, $"before: {before}; after: {after}");
        Near(before.OutputTokensPerCall, after.OutputTokensPerCall, 0.05, "output tokens per call");
        Near(before.ToolCallsPerTask, after.ToolCallsPerTask, 0.05, "tool calls per task");
        Near(before.SuccessRatio, after.SuccessRatio, 0.1, "success ratio");
    }

    [Fact]
    public void ToolStorm_AfterWarmup_ThreeSearchesInsteadOfOne()
    {
        var (before, after) = Drivers(Scenario.ToolStorm, "search-agent");

        Assert.All(before.Tasks, t => Assert.Equal(1, t.Calls.Count(c => c.Tool == "web_search")));
        Assert.All(after.Tasks, t => Assert.Equal(3, t.Calls.Count(c => c.Tool == "web_search")));
        // ToolCallsPerTaskSurge fires at more than twice the baseline and at least 1 call more.
        Assert.True(after.ToolCallsPerTask > 2 * before.ToolCallsPerTask && after.ToolCallsPerTask - before.ToolCallsPerTask >= 1, $"before: {before}; after: {after}");
        // CpstSpike fires above its default factor of 1.4 times the baseline CPST, the success ratio unchanged.
        Assert.True(after.Cpst > 1.4 * before.Cpst, $"before: {before}; after: {after}");
        Near(before.SuccessRatio, after.SuccessRatio, 0.1, "success ratio");
        Near(before.LlmCallsPerTask, after.LlmCallsPerTask, 0.05, "LLM calls per task");
        Near(before.OutputTokensPerCall, after.OutputTokensPerCall, 0.05, "output tokens per call");
    }

    [Fact]
    public void CheapModel_AfterWarmup_CheaperTasksFewerSuccessesHigherCpst()
    {
        var (before, after) = Drivers(Scenario.CheapModel, "support-bot");

        Assert.All(before.Tasks, t => Assert.All(t.Calls.Where(c => c.Kind == CallKind.Llm), c => Assert.Equal("gpt-5.4-mini", c.Model!.Name)));
        Assert.All(after.Tasks, t => Assert.All(t.Calls.Where(c => c.Kind == CallKind.Llm), c => Assert.Equal("gpt-5.4-nano", c.Model!.Name)));
        Assert.True(after.CostPerTask < 0.7 * before.CostPerTask, $"before: {before}; after: {after}");
        Assert.True(after.SuccessRatio < 0.5 * before.SuccessRatio, $"before: {before}; after: {after}");
        // The token bill falls, and yet each success costs more: what CPST is for.
        Assert.True(after.Cpst > 1.2 * before.Cpst, $"before: {before}; after: {after}");
        Near(before.LlmCallsPerTask, after.LlmCallsPerTask, 0.05, "LLM calls per task");
    }

    [Fact]
    public void QualityDrop_AfterWarmup_LowersSuccessRatioAtTheSameCost()
    {
        var (before, after) = Drivers(Scenario.QualityDrop, "support-bot");

        // TaskSuccessRateDrop fires below 0.8 times the baseline, CpstSpike above 1.4 times the baseline CPST (its default).
        Assert.True(after.SuccessRatio < 0.8 * before.SuccessRatio, $"before: {before}; after: {after}");
        Assert.True(after.Cpst > 1.4 * before.Cpst, $"before: {before}; after: {after}");
        Near(before.CostPerTask, after.CostPerTask, 0.05, "cost per task");
        Near(before.LlmCallsPerTask, after.LlmCallsPerTask, 0.05, "LLM calls per task");
    }

    [Fact]
    public void Growth_AfterWarmup_RaisesVolumeKeepsCostPerTaskAndSuccess()
    {
        var (before, after) = Drivers(Scenario.Growth, "support-bot");

        Assert.True(after.TasksPerSecond > 2.5 * before.TasksPerSecond, $"before: {before}; after: {after}");
        Near(before.CostPerTask, after.CostPerTask, 0.05, "cost per task");
        Near(before.SuccessRatio, after.SuccessRatio, 0.03, "success ratio");
        Near(before.Cpst, after.Cpst, 0.07, "CPST");
    }

    [Fact]
    public void Profiles_EveryModel_IsPricedInTheShippedTable()
    {
        var prices = CpstExporter.Pricing.PriceTableLoader.Load(RepoFiles.Path("src", "CpstExporter", "pricing.yaml"));
        foreach (UseCaseProfile profile in UseCaseProfiles.All)
            foreach (ModelSpec model in new[] { profile.Model, profile.CheapModel })
                Assert.True(prices.FindModel(model.Name, model.Provider) is not null, $"{model.Name} of {profile.Name} has no price in pricing.yaml");
    }

    private static string Describe(IEnumerable<PlannedTask> traffic) => string.Join('\n', traffic.Select(p =>
        string.Create(CultureInfo.InvariantCulture,
            $"{p.AtSeconds:R} {p.Task.UseCase.Name} {p.Task.Variant} {p.Task.Succeeded} {p.Task.Delivery} {p.Task.OutcomeDelaySeconds:R} ") +
        string.Join(' ', p.Task.Calls.Select(c => string.Create(CultureInfo.InvariantCulture,
            $"{c.Model?.Name ?? c.Tool}/{c.InputTokens}/{c.OutputTokens}/{c.CacheReadTokens}/{c.DurationSeconds:R}")))));
}
