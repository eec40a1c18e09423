using CpstExporter.Aggregation;
using CpstExporter.Hosting;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Hosting;

/// <summary>What the task stage decided reaches the journal, the metrics and the task API's recent tasks, exactly once.</summary>
public sealed class TaskDecisionDeliveryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-delivery-").FullName;
    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly CpstMetrics _metrics;
    private readonly RecentTasks _recent = new(100);
    private readonly TaskStateFile _stateFile;
    private readonly TaskDecisionDelivery _delivery;

    public TaskDecisionDeliveryTests()
    {
        var options = new TaskOptions { StateFile = StatePath };
        _metrics = new CpstMetrics(2000, new Dictionary<string, UseCaseOptions>(), _clock);
        _stateFile = new TaskStateFile(options, new TaskAssembler(options, _clock), new IdleLifetime(), _clock, NullLogger<TaskStateFile>.Instance);
        _delivery = new TaskDecisionDelivery(_metrics, _recent, _stateFile);
    }

    public void Dispose()
    {
        _stateFile.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string StatePath => Path.Combine(_dir, "state.json");

    private static TraceId Trace(int n) => new(0x0a0b0c0d, (ulong)n);

    private static readonly TaskLabels Labels = new("support", Outcome.Success, "gpt-4o", "prod", "none");

    private TaskRecord Finished(int trace, decimal cost) =>
        new(Trace(trace), Labels, cost, 1, 1, 100, 10, _clock.GetUtcNow(), FinishReason.Settled);

    [Fact]
    public void Deliver_EveryDecision_ReachesItsSeriesOnce()
    {
        TaskDecisions decisions = _delivery.Rent();
        decisions.Finished.Add(Finished(1, 0.25m));
        decisions.Finished.Add(Finished(2, 0.5m));
        var call = new CountedCall(SpanRole.Llm, "openai", "gpt-4o", null, new TokenUsage(100, 10, 0, 0, 0), 0.001m, false);
        decisions.Counted.Add(new CountedCalls("support", call, 1));
        decisions.Counted.Add(new CountedCalls("support", call.Times(3), 3));
        decisions.LateSpans.Add((Labels, new LateContribution(0.125m, 1, 0, 5, 1)));
        decisions.DuplicateSpans = 2;
        decisions.EarlyCountedCalls = 3;
        decisions.DroppedOutcomes = 4;

        _delivery.Deliver(decisions);

        TaskValues tasks = Assert.Single(_metrics.Tasks.All.ToArray()).Read();
        Assert.Equal((2L, 0.875m, 3L), (tasks.Tasks, tasks.CostUsd, tasks.LlmCalls));
        LlmCallSeries calls = Assert.Single(_metrics.LlmCalls.All.ToArray());
        Assert.Equal(4L, calls.Read().Calls);
        Assert.Equal(0.004m, calls.Read().CostUsd);
        Assert.Equal((1L, 2L, 3L, 4L), (_metrics.LateSpans, _metrics.DuplicateSpans, _metrics.EarlyCountedCalls, _metrics.DroppedOutcomes));
        Assert.Equal(2, _recent.Count);
    }

    [Fact]
    public async Task Deliver_TasksACheckpointWrote_AreInTheJournalOnDisk()
    {
        await _stateFile.StartAsync(CancellationToken.None); // opens the journal
        TaskDecisions decisions = _delivery.Rent();
        decisions.Finished.Add(Finished(1, 0.25m));
        decisions.Finished.Add(Finished(2, 0.5m));
        decisions.ToJournal.Add(Trace(2));

        _delivery.Deliver(decisions);

        Assert.Equal([Trace(2)], FinishedTaskJournal.Read(StatePath, from: null));
        Assert.Equal(0, _stateFile.SaveFailures);
        await _stateFile.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void Return_DecisionsComeBackEmpty_AndAGrownOneIsNotKept()
    {
        TaskDecisions used = _delivery.Rent();
        used.Finished.Add(Finished(1, 0.25m));
        used.RefusedSpans = 3;
        _delivery.Return(used);

        TaskDecisions again = _delivery.Rent();
        Assert.Same(used, again);
        Assert.True(again.IsEmpty);
        Assert.Empty(again.ToJournal);

        for (int i = 0; i < 20_000; i++) again.Finished.Add(Finished(i, 0m));
        _delivery.Return(again);
        Assert.NotSame(again, _delivery.Rent());
    }
}
