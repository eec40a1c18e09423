using CpstExporter.Aggregation;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Aggregation;

public class CpstMetricsTests
{
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    private CpstMetrics Metrics(Dictionary<string, UseCaseOptions>? useCases = null) => new(2000, useCases ?? [], _clock);

    private static readonly TaskLabels Support = new("support", Outcome.Success, "gpt-4o", "prod", "none");

    [Fact]
    public void TaskFinished_AddsToTaskSeriesAndHistogram()
    {
        CpstMetrics metrics = Metrics();

        metrics.TaskFinished(new TaskRecord(new TraceId(1, 1), Support, 0.0042m, 3, 1, 1200, 300, DateTimeOffset.UnixEpoch.AddSeconds(5), FinishReason.Settled));
        metrics.TaskFinished(new TaskRecord(new TraceId(1, 2), Support, 0.03m, 1, 0, 100, 50, DateTimeOffset.UnixEpoch.AddSeconds(9), FinishReason.Settled));

        TaskValues values = Assert.Single(metrics.Tasks.All.ToArray()).Read();
        Assert.Equal(new TaskValues(2, 0.0342m, 4, 1, 1300, 350, new Exemplar(new TraceId(1, 2), 0.03m, 9000)), values);
        Assert.Equal(0, metrics.EvictedTasks);
    }

    [Fact]
    public void TaskFinished_Evicted_Counted()
    {
        CpstMetrics metrics = Metrics();

        metrics.TaskFinished(new TaskRecord(new TraceId(1, 1), Support, 0m, 0, 0, 0, 0, DateTimeOffset.UnixEpoch, FinishReason.Evicted));

        Assert.Equal(1, metrics.EvictedTasks);
    }

    [Fact]
    public void LateSpan_AddsCostButNotATask_AndKeepsTheExemplar()
    {
        CpstMetrics metrics = Metrics();
        metrics.TaskFinished(new TaskRecord(new TraceId(1, 1), Support, 0.01m, 1, 0, 10, 1, DateTimeOffset.UnixEpoch, FinishReason.Settled));

        metrics.LateSpan(Support, new LateContribution(0.005m, 1, 1, 20, 2));

        TaskValues values = metrics.Tasks.Get(Support).Read();
        Assert.Equal(1, values.Tasks);
        Assert.Equal(0.015m, values.CostUsd);
        Assert.Equal(2, values.LlmCalls);
        Assert.Equal(1, values.ToolCalls);
        Assert.Equal(30, values.InputTokens);
        Assert.Equal(new TraceId(1, 1), values.CostExemplar.TraceId);
        Assert.Equal(1, metrics.LateSpans);
    }

    [Fact]
    public void LateOutcomeAndOutcomeDropped_Counted()
    {
        CpstMetrics metrics = Metrics();

        metrics.OutcomeLate();
        metrics.OutcomesDropped(1);
        metrics.OutcomesDropped(1);

        Assert.Equal(1, metrics.LateOutcomes);
        Assert.Equal(2, metrics.DroppedOutcomes);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("0.0001", 0)]
    [InlineData("0.00010001", 1)]
    [InlineData("0.0045", 4)]
    [InlineData("0.005", 4)]
    [InlineData("25", 15)]
    [InlineData("25.01", 16)]
    [InlineData("1000", 16)]
    public void BucketOf_UpperBoundsAreInclusive(string cost, int bucket)
    {
        Assert.Equal(bucket, CostHistogramSeries.BucketOf(decimal.Parse(cost, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void ApplyUseCases_TargetsAtOnceSupportingCostFromNowOn()
    {
        CpstMetrics metrics = Metrics(new() { ["support"] = new() { TargetUsd = 0.5m, SupportingCosts = { ["vector_db"] = 730m } } });
        _clock.Advance(TimeSpan.FromHours(1));

        metrics.ApplyUseCases(new Dictionary<string, UseCaseOptions> { ["support"] = new() { TargetUsd = 0.4m, SupportingCosts = { ["vector_db"] = 7300m } } });
        _clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0.4m, metrics.UseCases["support"].TargetUsd);
        Assert.Equal([("support", "vector_db", 11m)], metrics.Supporting.Read()); // $1 in the first hour, $10 in the second
    }

    private static readonly TaskLabels Billing = new("billing", Outcome.Success, "gpt-4o", "prod", "none");

    [Fact]
    public void TaskFinished_CostAndTokensAtTheirMaximum_PinTheSeries_AndLeaveOthersExact()
    {
        CpstMetrics metrics = Metrics();
        metrics.TaskFinished(new TaskRecord(new TraceId(1, 1), Billing, 0.0042m, 1, 0, 1000, 100, DateTimeOffset.UnixEpoch, FinishReason.Settled));

        for (int i = 0; i < 3; i++)
        {
            metrics.TaskFinished(new TaskRecord(new TraceId(2, (ulong)i), Support, decimal.MaxValue, int.MaxValue, int.MaxValue,
                long.MaxValue, long.MaxValue, DateTimeOffset.UnixEpoch, FinishReason.Settled));
            metrics.LateSpan(Support, new LateContribution(decimal.MaxValue, int.MaxValue, int.MaxValue, long.MaxValue, long.MaxValue));
        }
        metrics.TaskFinished(new TaskRecord(new TraceId(1, 2), Billing, 0.0017m, 1, 1, 300, 20, DateTimeOffset.UnixEpoch, FinishReason.Settled));

        TaskValues pinned = metrics.Tasks.Get(Support).Read();
        Assert.Equal((3L, decimal.MaxValue, 6L * int.MaxValue, 6L * int.MaxValue, long.MaxValue, long.MaxValue),
            (pinned.Tasks, pinned.CostUsd, pinned.LlmCalls, pinned.ToolCalls, pinned.InputTokens, pinned.OutputTokens));
        TaskValues billing = metrics.Tasks.Get(Billing).Read();
        Assert.Equal((2L, 0.0059m, 2L, 1L, 1300L, 120L),
            (billing.Tasks, billing.CostUsd, billing.LlmCalls, billing.ToolCalls, billing.InputTokens, billing.OutputTokens));

        var counts = new long[CostHistogramSeries.Bounds.Length + 1];
        var exemplars = new Exemplar[CostHistogramSeries.Bounds.Length + 1];
        metrics.CostHistogram.Get(new HistogramKey("support", Outcome.Success)).Read(counts, exemplars, out decimal sum, out long count);
        Assert.Equal((decimal.MaxValue, 3L, 3L), (sum, count, counts[^1]));
    }

    [Fact]
    public void RecordLlmCall_PinnedOverflowSeries_StillTakesEveryFoldedLabelSet()
    {
        var metrics = new CpstMetrics(2, new Dictionary<string, UseCaseOptions>(), _clock);
        metrics.RecordLlmCall("a", "openai", "gpt-4o", new TokenUsage(10, 1, 0, 0, 0), 0.01m);
        metrics.RecordLlmCall("b", "openai", "gpt-4o", new TokenUsage(10, 1, 0, 0, 0), 0.01m);
        var max = new TokenUsage(long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue);

        // Every label set past the limit folds into one series; one of them at decimal's maximum must not break the others.
        for (int i = 0; i < 100; i++)
        {
            metrics.RecordLlmCall($"use-{i}", "openai", "gpt-4o", in max, decimal.MaxValue);
            metrics.RecordToolCall($"use-{i}", "search", decimal.MaxValue);
            metrics.RecordUnpricedCall($"use-{i}", "mystery");
        }

        var overflow = metrics.LlmCalls.Get(new LlmCallKey("__overflow__", "__overflow__", "__overflow__")).Read();
        Assert.Equal((100L, max, decimal.MaxValue), overflow); // "a" and "b" took the two label sets
        Assert.Equal((98L, decimal.MaxValue), metrics.ToolCalls.Get(new ToolCallKey("__overflow__", "__overflow__")).Read());
        Assert.Equal((1L, decimal.MaxValue), metrics.ToolCalls.Get(new ToolCallKey("use-0", "search")).Read());
        Assert.Equal((1L, new TokenUsage(10, 1, 0, 0, 0), 0.01m), metrics.LlmCalls.Get(new LlmCallKey("a", "openai", "gpt-4o")).Read());
        Assert.Equal(100, metrics.Overflows.Get("cpst_llm_calls_total"));
    }

    [Fact]
    public void CallCounted_ByBasisAndServedTier_AddsUpToThePerCallCost()
    {
        CpstMetrics metrics = Metrics();
        var tokens = new TokenUsage(10_000, 2_000, 0, 0, 0);

        metrics.CallsCounted("coder", new CountedCall(SpanRole.Llm, "openai", "gpt-5", null, tokens, 0.065m, false, PricingBasis.Table, ServiceTier.Priority), 1);
        metrics.CallsCounted("coder", new CountedCall(SpanRole.Llm, "openai", "gpt-5", null, tokens, 0.065m, false, PricingBasis.Table, ServiceTier.Priority), 1);
        metrics.CallsCounted("coder", new CountedCall(SpanRole.Llm, "openai", "gpt-5", null, tokens, 1.5225m, false, PricingBasis.TableLongContext, ServiceTier.Standard), 1);
        metrics.CallsCounted("coder", new CountedCall(SpanRole.Llm, "openai", "gpt-5", null, tokens, 0.0325m, false, PricingBasis.Table, ServiceTier.Flex,
            ServiceTierUnpriced: true), 1);
        metrics.CallsCounted("coder", new CountedCall(SpanRole.Tool, null, null, "web_search", default, 0.01m, false), 1);

        var byBasis = metrics.ByBasis.All.ToArray().ToDictionary(s => string.Join('/', s.LabelValues), s => s.Read());
        Assert.Equal(new Dictionary<string, (long, decimal)>
        {
            ["coder/table/priority"] = (2, 0.13m),
            ["coder/table_long_context/standard"] = (1, 1.5225m),
            ["coder/table/flex"] = (1, 0.0325m),
        }, byBasis);
        Assert.Equal(metrics.LlmCalls.All[0].Read().CostUsd, byBasis.Values.Sum(v => v.Item2));
        CountSeries unpricedTier = Assert.Single(metrics.UnpricedServiceTiers.All.ToArray());
        Assert.Equal(["gpt-5", "flex"], unpricedTier.LabelValues);
        Assert.Equal(1, unpricedTier.Value);
    }
}
