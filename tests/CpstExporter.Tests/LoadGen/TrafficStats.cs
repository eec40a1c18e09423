extern alias LoadGen;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using LoadGen::CpstExporter.LoadGen.Demo;

namespace CpstExporter.Tests.LoadGen;

/// <summary>
/// The CPST drivers of a stretch of demo traffic, as the exporter's recording rules would compute them from the
/// counters (ratios of sums), with costs from the shipped price table.
/// </summary>
internal sealed class TrafficStats
{
    private static readonly Lazy<PriceTable> Prices = new(() => PriceTableLoader.Load(RepoFiles.Path("src", "CpstExporter", "pricing.yaml")));

    private TrafficStats(IReadOnlyList<TaskShape> tasks, double seconds)
    {
        Tasks = tasks;
        int count = Math.Max(1, tasks.Count);
        long llmCalls = tasks.Sum(t => t.LlmCalls);
        TasksPerSecond = tasks.Count / seconds;
        LlmCallsPerTask = (double)llmCalls / count;
        ToolCallsPerTask = (double)tasks.Sum(t => t.ToolCalls) / count;
        PrimaryToolCallsPerTask = (double)tasks.Sum(t => t.Calls.Count(c => c.Tool == t.UseCase.PrimaryTool.Name)) / count;
        OutputTokensPerCall = (double)tasks.SelectMany(t => t.Calls).Sum(c => c.OutputTokens) / Math.Max(1, llmCalls);
        decimal cost = tasks.Sum(Cost);
        CostPerTask = (double)cost / count;
        int successes = tasks.Count(t => t.Succeeded);
        SuccessRatio = (double)successes / count;
        Cpst = (double)cost / Math.Max(1, successes);
    }

    public IReadOnlyList<TaskShape> Tasks { get; }
    public double TasksPerSecond { get; }
    public double LlmCallsPerTask { get; }
    public double ToolCallsPerTask { get; }
    public double PrimaryToolCallsPerTask { get; }
    public double OutputTokensPerCall { get; }
    public double CostPerTask { get; }
    public double SuccessRatio { get; }
    public double Cpst { get; }

    /// <summary>Generates the plan's traffic up to <paramref name="horizon"/> seconds, or <paramref name="maxTasks"/> tasks.</summary>
    public static List<PlannedTask> Generate(DemoPlan plan, double horizon, int maxTasks = int.MaxValue)
    {
        var traffic = new DemoTraffic(plan);
        var tasks = new List<PlannedTask>();
        for (PlannedTask next = traffic.Next(); next.AtSeconds < horizon && tasks.Count < maxTasks; next = traffic.Next()) tasks.Add(next);
        return tasks;
    }

    /// <summary>The tasks of one use case that started in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static TrafficStats Of(IEnumerable<PlannedTask> traffic, string useCase, double from, double to) =>
        new(traffic.Where(p => p.Task.UseCase.Name == useCase && p.AtSeconds >= from && p.AtSeconds < to).Select(p => p.Task).ToList(), to - from);

    public static decimal Cost(TaskShape task) => task.Calls.Sum(Cost);

    /// <summary>What the shipped price table makes of one call: tokens at the model's rates, or the tool's price per call.</summary>
    public static decimal Cost(CallShape call) => call.Kind == CallKind.Llm
        ? Prices.Value.FindModel(call.Model!.Name, call.Model.Provider)?.Cost(new TokenUsage(call.InputTokens, call.OutputTokens, call.CacheReadTokens, 0, 0)) ?? 0m
        : Prices.Value.FindTool(call.Tool!) ?? 0m;

    public override string ToString() =>
        FormattableString.Invariant($"{TasksPerSecond:F2} tasks/s, {LlmCallsPerTask:F2} LLM and {ToolCallsPerTask:F2} tool calls per task, {OutputTokensPerCall:F0} output tokens per call, {CostPerTask:F5} USD per task, success {SuccessRatio:P1}, CPST {Cpst:F5}");
}
