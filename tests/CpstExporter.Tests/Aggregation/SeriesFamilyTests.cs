using CpstExporter.Aggregation;
using CpstExporter.Conventions;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Aggregation;

public class SeriesFamilyTests
{
    private const string Overflow = "__overflow__";

    private static CpstMetrics Metrics(int maxSeries) => new(maxSeries, new Dictionary<string, UseCaseOptions>(), new FakeTimeProvider(TestClock.Start));

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
        Assert.Equal(4, OverflowCount(metrics, "cpst_cost_per_task_usd"));
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
        metrics.RecordUnpricedCall("billing", "mystery-2");

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

        CallCostSeries[] all = metrics.ToolCalls.All.ToArray();
        Assert.Equal(51, all.Length);
        Assert.Equal(2000, all.Sum(s => s.Read().Calls));
        Assert.Equal(20m, all.Sum(s => s.Read().CostUsd));
    }
    private static TaskRecord Task(int n, TaskLabels labels, decimal cost, long input) => new(
        new TraceId(2, (ulong)n), labels, cost, LlmCalls: 1, ToolCalls: n % 2, InputTokens: input, OutputTokens: n,
        DateTimeOffset.UnixEpoch.AddSeconds(n), FinishReason.Settled);

    [Fact]
    public void RecordLlmCall_NoisyUseCase_FoldsPastItsShare_AndANewUseCaseStillGetsItsOwnSeries()
    {
        CpstMetrics metrics = Metrics(2000);
        Assert.Equal(500, metrics.LlmCalls.MaxSeriesPerUseCase);
        decimal noisyCost = 0;
        long noisyInput = 0;
        for (int i = 0; i < 3000; i++)
        {
            decimal cost = 0.000001m * (i + 1) + 0.0000000001m;
            metrics.RecordLlmCall("noisy", "openai", $"gpt-4o-{i:D5}", new TokenUsage(1000 + i, 10, i, 0, 0), cost);
            noisyCost += cost;
            noisyInput += 1000 + i;
        }

        metrics.RecordLlmCall("billing", "anthropic", "claude-sonnet-4-5", new TokenUsage(300, 40, 0, 0, 0), 0.0015m);
        metrics.RecordLlmCall("billing", "anthropic", "claude-sonnet-4-5", new TokenUsage(200, 20, 0, 0, 0), 0.0009m);
        metrics.RecordLlmCall("billing", "openai", "gpt-4o-mini", new TokenUsage(50, 5, 0, 0, 0), 0.00001m);

        LlmCallSeries[] all = metrics.LlmCalls.All.ToArray();
        LlmCallSeries[] noisy = all.Where(s => s.LabelValues[0] == "noisy").ToArray();
        Assert.Equal(500 + 1, noisy.Length); // its share, then one series for the rest
        LlmCallSeries noisyOverflow = Assert.Single(noisy, s => s.LabelValues is ["noisy", Overflow, Overflow]);
        Assert.Equal(2500, noisyOverflow.Read().Calls);
        Assert.Equal(noisyCost, noisy.Sum(s => s.Read().CostUsd)); // the noisy use case's total, to the last digit
        Assert.Equal(noisyInput, noisy.Sum(s => s.Read().Tokens.Input));
        Assert.Equal(Enumerable.Range(0, 3000).Sum(i => (long)i), noisy.Sum(s => s.Read().Tokens.CacheRead));
        Assert.Equal(3000, noisy.Sum(s => s.Read().Calls));

        // The use case that came later has series of its own, with its exact values.
        var sonnet = metrics.LlmCalls.Get(new LlmCallKey("billing", "anthropic", "claude-sonnet-4-5")).Read();
        Assert.Equal((2L, new TokenUsage(500, 60, 0, 0, 0), 0.0024m), sonnet);
        Assert.Equal((1L, new TokenUsage(50, 5, 0, 0, 0), 0.00001m), metrics.LlmCalls.Get(new LlmCallKey("billing", "openai", "gpt-4o-mini")).Read());
        Assert.Equal(["billing", "anthropic", "claude-sonnet-4-5"], all[501].LabelValues);
        Assert.DoesNotContain(all, s => s.LabelValues[0] == Overflow);
        Assert.Equal(2500, OverflowCount(metrics, "cpst_llm_calls_total"));
        Assert.Equal(2500, OverflowCount(metrics, "cpst_llm_cost_usd_total"));
    }

    [Fact]
    public void TaskFinished_NoisyUseCaseWithThousandsOfVariants_KeepsItsTotalsPerOutcome_AndLeavesRoomForOthers()
    {
        CpstMetrics metrics = Metrics(2000);
        Outcome[] outcomes = [Outcome.Success, Outcome.Failure, Outcome.Unknown];
        var noisy = new List<TaskRecord>();
        for (int i = 0; i < 4000; i++)
            noisy.Add(Task(i, new TaskLabels("noisy", outcomes[i % 3], $"model-{i % 7}", "prod", $"prompt-{i}"), 0.0001m * i + 0.00000003m, 1000 + i));
        var billing = new List<TaskRecord>
        {
            Task(10_001, new TaskLabels("billing", Outcome.Success, "gpt-4o", "prod", "a"), 0.0042m, 1200),
            Task(10_002, new TaskLabels("billing", Outcome.Success, "gpt-4o", "prod", "a"), 0.0017m, 300),
            Task(10_003, new TaskLabels("billing", Outcome.Failure, "gpt-4o", "prod", "b"), 0.25m, 90_000),
        };

        foreach (TaskRecord task in noisy.Concat(billing)) metrics.TaskFinished(task);

        TaskSeries[] all = metrics.Tasks.All.ToArray();
        TaskSeries[] noisySeries = all.Where(s => s.LabelValues[0] == "noisy").ToArray();
        Assert.Equal(500 + 3, noisySeries.Length); // its share, then one overflow series per outcome
        TaskSeries[] noisyOverflow = noisySeries.Where(s => s.LabelValues[2] == Overflow).ToArray();
        Assert.All(noisyOverflow, s => Assert.Equal(["noisy", s.LabelValues[1], Overflow, Overflow, Overflow], s.LabelValues));
        foreach (Outcome outcome in outcomes)
        {
            TaskRecord[] recorded = noisy.Where(t => t.Labels.Outcome == outcome).ToArray();
            TaskSeries[] series = noisySeries.Where(s => s.LabelValues[1] == outcome.LabelValue()).ToArray();
            Assert.Equal(recorded.Length, series.Sum(s => s.Read().Tasks));
            Assert.Equal(recorded.Sum(t => t.CostUsd), series.Sum(s => s.Read().CostUsd));
            Assert.Equal(recorded.Sum(t => t.InputTokens), series.Sum(s => s.Read().InputTokens));
            Assert.Equal(recorded.Sum(t => t.OutputTokens), series.Sum(s => s.Read().OutputTokens));
            Assert.Equal(recorded.Sum(t => (long)t.ToolCalls), series.Sum(s => s.Read().ToolCalls));
        }

        TaskValues billingA = metrics.Tasks.Get(billing[0].Labels).Read();
        Assert.Equal((2L, 0.0059m, 1500L), (billingA.Tasks, billingA.CostUsd, billingA.InputTokens));
        Assert.Equal(0.25m, metrics.Tasks.Get(billing[2].Labels).Read().CostUsd);
        Assert.Equal(2, all.Count(s => s.LabelValues[0] == "billing"));
        Assert.Equal(3500, OverflowCount(metrics, "cpst_tasks_total"));
        Assert.Equal(3500, OverflowCount(metrics, "cpst_task_tokens_total"));
        // The histogram has only use_case and outcome: nothing of it folds.
        Assert.Equal(0, OverflowCount(metrics, "cpst_cost_per_task_usd"));
        Assert.Equal(5, metrics.CostHistogram.All.Length);
    }

    [Fact]
    public void Get_MetricFull_UseCaseAtItsShareStillFoldsIntoItsOwn_OthersIntoTheSharedOverflow()
    {
        CpstMetrics metrics = Metrics(8); // a share of 2 label sets per use case
        for (int t = 0; t < 6; t++) metrics.RecordToolCall("noisy", $"tool-{t}", 0.001m);
        for (int u = 0; u < 10; u++) metrics.RecordToolCall($"quiet-{u}", "search", 0.01m);

        metrics.RecordToolCall("noisy", "tool-9", 0.001m); // the metric is full; noisy's overflow still takes it
        metrics.RecordToolCall("quiet-0", "calculator", 0.01m); // below its share, but the metric is full

        CallCostSeries[] all = metrics.ToolCalls.All.ToArray();
        Assert.Equal(8 + 1 + 1, all.Length);
        Assert.Equal((5L, 0.005m), metrics.ToolCalls.Get(new ToolCallKey("noisy", Overflow)).Read());
        Assert.Equal((5L, 0.05m), metrics.ToolCalls.Get(new ToolCallKey(Overflow, Overflow)).Read()); // quiet-6 … quiet-9 and quiet-0's second tool
        Assert.Equal(["quiet-5", "search"], all.Where(s => s.LabelValues[0] != Overflow && s.LabelValues[1] != Overflow).Last().LabelValues);
        Assert.Equal(18, all.Sum(s => s.Read().Calls));
        Assert.Equal(0.117m, all.Sum(s => s.Read().CostUsd));
        Assert.Equal(4 + 1 + 5, OverflowCount(metrics, "cpst_tool_calls_total"));
    }

    [Fact]
    public void Get_ManyUseCasesPastTheirShare_OverflowSeriesStayBounded_AndNothingLost()
    {
        const int Limit = 40; // a share of 10
        CpstMetrics metrics = Metrics(Limit);
        Outcome[] outcomes = [Outcome.Success, Outcome.Failure, Outcome.Unknown];

        Parallel.For(0, 20_000, i =>
        {
            string useCase = $"use-{i % 50}";
            metrics.TaskFinished(Task(i, new TaskLabels(useCase, outcomes[i % 3], $"model-{i % 97}", "prod", "none"), 0.001m, 10));
            metrics.RecordLlmCall(useCase, "openai", $"model-{i % 97}", new TokenUsage(10, 1, 0, 0, 0), 0.001m);
        });

        // The limit's label sets, one overflow series per outcome for each use case that can fill its share (at most
        // Limit / share of them), and the shared overflow series per outcome.
        int useCasesAtShare = Limit / metrics.Tasks.MaxSeriesPerUseCase;
        Assert.True(metrics.Tasks.All.Length <= Limit + useCasesAtShare * 3 + 3, $"{metrics.Tasks.All.Length} task series");
        Assert.True(metrics.LlmCalls.All.Length <= Limit + useCasesAtShare + 1, $"{metrics.LlmCalls.All.Length} call series");
        Assert.Equal(20_000, metrics.Tasks.All.ToArray().Sum(s => s.Read().Tasks));
        Assert.Equal(20m, metrics.Tasks.All.ToArray().Sum(s => s.Read().CostUsd));
        Assert.Equal(200_000, metrics.Tasks.All.ToArray().Sum(s => s.Read().InputTokens));
        Assert.Equal(20_000, metrics.LlmCalls.All.ToArray().Sum(s => s.Read().Calls));
        Assert.Equal(20m, metrics.LlmCalls.All.ToArray().Sum(s => s.Read().CostUsd));
        // Every update that did not land in a label set of its own was counted as folded.
        long own = metrics.LlmCalls.All.ToArray().Where(s => s.LabelValues[1] != Overflow).Sum(s => s.Read().Calls);
        Assert.Equal(20_000 - own, OverflowCount(metrics, "cpst_llm_calls_total"));
    }

    [Fact]
    public void Get_RepeatedUpdatesOfAFoldedLabelSet_EachCounted()
    {
        CpstMetrics metrics = Metrics(4); // a share of 1
        metrics.RecordToolCall("support", "web_search", 0.01m);

        for (int i = 0; i < 5; i++) metrics.RecordToolCall("support", "calculator", 0.001m);
        for (int i = 0; i < 3; i++)
        {
            metrics.RecordToolCall("support", "calculator", 0.001m);
            metrics.RecordToolCall("support", "code_interpreter", 0.001m);
        }
        metrics.RecordToolCall("support", "web_search", 0.01m);

        Assert.Equal(11, OverflowCount(metrics, "cpst_tool_calls_total"));
        Assert.Equal((11L, 0.011m), metrics.ToolCalls.Get(new ToolCallKey("support", Overflow)).Read());
        Assert.Equal((2L, 0.02m), metrics.ToolCalls.Get(new ToolCallKey("support", "web_search")).Read());
    }

    [Fact]
    public void CostHistogram_AUseCaseWithEveryOutcome_NeedsNoShare()
    {
        CpstMetrics metrics = Metrics(4); // a share of 1, which the histogram does not apply

        metrics.TaskFinished(Task(1, "support", Outcome.Success, 0.01m));
        metrics.TaskFinished(Task(2, "support", Outcome.Failure, 0.02m));
        metrics.TaskFinished(Task(3, "support", Outcome.Unknown, 0.03m));

        Assert.Equal(["success", "failure", "unknown"], metrics.CostHistogram.All.ToArray().Select(s => s.LabelValues[1]));
        Assert.Equal(0, OverflowCount(metrics, "cpst_cost_per_task_usd"));
    }
}
