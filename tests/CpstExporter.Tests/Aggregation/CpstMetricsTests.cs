using CpstExporter.Aggregation;
using CpstExporter.Conventions;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using CpstExporter.Tests.Support;
using Xunit;

namespace CpstExporter.Tests.Aggregation;

public class CpstMetricsTests
{
    private readonly ManualClock _clock = new();

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

        metrics.LateOutcome();
        metrics.OutcomeDropped();
        metrics.OutcomeDropped();

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

    [Fact]
    public void LabeledCounters_CountPerLabel()
    {
        CpstMetrics metrics = Metrics();

        metrics.ReceivedSpans.Add(Protocol.HttpJson, 3);
        metrics.ReceivedSpans.Add(Protocol.HttpJson);
        metrics.RejectedSpans.Add(RejectionReason.InvalidSpanId, 2);

        Assert.Equal(4, metrics.ReceivedSpans.Get(Protocol.HttpJson));
        Assert.Equal(0, metrics.ReceivedSpans.Get(Protocol.Grpc));
        Assert.Equal([("grpc", 0L), ("http_protobuf", 0L), ("http_json", 4L)], metrics.ReceivedSpans.Values());
        Assert.Equal(2, metrics.RejectedSpans.Get(RejectionReason.InvalidSpanId));
    }
}
