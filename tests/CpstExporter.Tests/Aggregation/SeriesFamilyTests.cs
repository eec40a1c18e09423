using CpstExporter.Aggregation;
using CpstExporter.Conventions;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using CpstExporter.Tests.Support;
using Xunit;

namespace CpstExporter.Tests.Aggregation;

public class SeriesFamilyTests
{
    private const string Overflow = "__overflow__";

    private static CpstMetrics Metrics(int maxSeries) => new(maxSeries, new Dictionary<string, UseCaseOptions>(), new ManualClock());

    private static long OverflowCount(CpstMetrics metrics, string metric) =>
        metrics.Overflows.Values().Single(v => v.Metric == metric).Count;

    private static TaskRecord Task(int n, string useCase, Outcome outcome, decimal cost, string model = "gpt-4o") => new(
        new TraceId(1, (ulong)n), new TaskLabels(useCase, outcome, model, "prod", "none"), cost,
        LlmCalls: 2, ToolCalls: 1, InputTokens: 100, OutputTokens: 10, DateTimeOffset.UnixEpoch.AddSeconds(n), FinishReason.Settled);

    [Fact]
    public void Get_SameKey_SameSeries()
    {
        CpstMetrics metrics = Metrics(10);
        var key = new LlmCallKey("support", "openai", "gpt-4o");

        Assert.Same(metrics.LlmCalls.Get(key), metrics.LlmCalls.Get(new LlmCallKey("support", "openai", "gpt-4o")));
        Assert.Equal(1, metrics.LlmCalls.All.Length);
    }

    [Fact]
    public void Get_UpToTheLimit_OneSeriesPerLabelSet_InCreationOrder()
    {
        CpstMetrics metrics = Metrics(3);

        for (int i = 0; i < 3; i++) metrics.RecordToolCall($"use-{i}", "web_search", 0.01m);

        Assert.Equal(["use-0", "use-1", "use-2"], metrics.ToolCalls.All.ToArray().Select(s => s.LabelValues[0]));
        Assert.Equal(0, OverflowCount(metrics, "cpst_tool_calls_total"));
    }

    [Fact]
    public void TaskFinished_PastTheLimit_FoldsIntoOverflowKeepingOutcome()
    {
        CpstMetrics metrics = Metrics(3);
        Outcome[] outcomes = [Outcome.Success, Outcome.Failure, Outcome.Unknown];
        var recorded = new List<TaskRecord>();
        for (int i = 0; i < 12; i++) recorded.Add(Task(i, $"use-case-{i}", outcomes[i % 3], 0.0001m * (i + 1) + 0.000003m));

        foreach (TaskRecord task in recorded) metrics.TaskFinished(task);

        TaskSeries[] all = metrics.Tasks.All.ToArray();
        TaskSeries[] overflow = all.Where(s => s.LabelValues[0] == Overflow).ToArray();
        Assert.Equal(3 + 3, all.Length); // three real label sets, then one overflow series per outcome
        Assert.All(overflow, s => Assert.Equal([Overflow, s.LabelValues[1], Overflow, Overflow, Overflow], s.LabelValues));
        Assert.Equal(["failure", "success", "unknown"], overflow.Select(s => s.LabelValues[1]).Order());

        // Totals stay exact: the sum over every series is what was recorded, per outcome too.
        Assert.Equal(recorded.Count, all.Sum(s => s.Read().Tasks));
        Assert.Equal(recorded.Sum(t => t.CostUsd), all.Sum(s => s.Read().CostUsd));
        Assert.Equal(recorded.Sum(t => (long)t.LlmCalls), all.Sum(s => s.Read().LlmCalls));
        Assert.Equal(recorded.Sum(t => t.InputTokens), all.Sum(s => s.Read().InputTokens));
        foreach (Outcome outcome in outcomes)
            Assert.Equal(recorded.Where(t => t.Labels.Outcome == outcome).Sum(t => t.CostUsd),
                all.Where(s => s.LabelValues[1] == outcome.LabelValue()).Sum(s => s.Read().CostUsd));

        // Nine updates were folded, each counted for every metric of the family.
        foreach (string metric in new[] { "cpst_tasks_total", "cpst_task_cost_usd_total", "cpst_task_llm_calls_total", "cpst_task_tool_calls_total", "cpst_task_tokens_total" })
            Assert.Equal(9, OverflowCount(metrics, metric));
    }

    [Fact]
    public void TaskFinished_PastTheLimit_HistogramKeepsOutcomeAndExactSum()
    {
        CpstMetrics metrics = Metrics(2);
        var recorded = new List<TaskRecord>();
        for (int i = 0; i < 6; i++) recorded.Add(Task(i, $"use-case-{i}", i % 2 == 0 ? Outcome.Success : Outcome.Failure, 0.37m * i));

        foreach (TaskRecord task in recorded) metrics.TaskFinished(task);

        CostHistogramSeries[] all = metrics.CostHistogram.All.ToArray();
        decimal sum = 0;
        long count = 0;
        var counts = new long[CostHistogramSeries.Bounds.Length + 1];
        var exemplars = new Exemplar[CostHistogramSeries.Bounds.Length + 1];
        foreach (CostHistogramSeries series in all)
        {
            series.Read(counts, exemplars, out decimal s, out long c);
            sum += s;
            count += c;
        }
        Assert.Equal(recorded.Sum(t => t.CostUsd), sum);
        Assert.Equal(recorded.Count, count);
        Assert.Contains(all, s => s.LabelValues is [Overflow, "success"]);
        Assert.Contains(all, s => s.LabelValues is [Overflow, "failure"]);
        Assert.Equal(4, OverflowCount(metrics, "cpst_task_cost_usd"));
    }

    [Fact]
    public void RecordLlmCall_PastTheLimit_OneOverflowSeriesWithExactTotals()
    {
        CpstMetrics metrics = Metrics(2);
        decimal cost = 0;
        for (int i = 0; i < 10; i++)
        {
            metrics.RecordLlmCall($"use-{i}", "openai", $"model-{i}", new TokenUsage(100 + i, 10, 5, 1, 2), 0.001m + i * 0.0001m);
            cost += 0.001m + i * 0.0001m;
        }

        LlmCallSeries[] all = metrics.LlmCalls.All.ToArray();
        Assert.Equal(3, all.Length);
        Assert.Equal([Overflow, Overflow, Overflow], all[2].LabelValues);
        Assert.Equal(10, all.Sum(s => s.Read().Calls));
        Assert.Equal(cost, all.Sum(s => s.Read().CostUsd));
        Assert.Equal(Enumerable.Range(0, 10).Sum(i => 100L + i), all.Sum(s => s.Read().Tokens.Input));
        Assert.Equal(20, all.Sum(s => s.Read().Tokens.Reasoning));
        Assert.Equal(8, OverflowCount(metrics, "cpst_llm_calls_total"));
        Assert.Equal(8, OverflowCount(metrics, "cpst_llm_tokens_total"));
        Assert.Equal(8, OverflowCount(metrics, "cpst_llm_cost_usd_total"));
        Assert.Equal(0, OverflowCount(metrics, "cpst_tool_calls_total"));
    }

    [Fact]
    public void Get_KnownKeyAfterTheLimit_StillItsOwnSeries()
    {
        CpstMetrics metrics = Metrics(1);
        metrics.RecordUnpricedCall("support", "mystery-1");
        metrics.RecordUnpricedCall("support", "mystery-2");

        metrics.RecordUnpricedCall("support", "mystery-1");

        CountSeries[] all = metrics.UnpricedCalls.All.ToArray();
        Assert.Equal(2, all[0].Value);
        Assert.Equal(["support", "mystery-1"], all[0].LabelValues);
        Assert.Equal(1, all[1].Value);
        Assert.Equal([Overflow, Overflow], all[1].LabelValues);
        Assert.Equal(1, OverflowCount(metrics, "cpst_unpriced_llm_calls_total"));
    }

    [Fact]
    public void Get_ConcurrentAdds_NeverMoreThanLimitPlusOverflow_AndNothingLost()
    {
        CpstMetrics metrics = Metrics(50);

        Parallel.For(0, 2000, i => metrics.RecordToolCall($"use-{i % 400}", "web_search", 0.01m));

        ToolCallSeries[] all = metrics.ToolCalls.All.ToArray();
        Assert.Equal(51, all.Length);
        Assert.Equal(2000, all.Sum(s => s.Read().Calls));
        Assert.Equal(20m, all.Sum(s => s.Read().CostUsd));
    }
}
