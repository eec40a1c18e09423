using CpstExporter.Aggregation;
using CpstExporter.Conventions;
using CpstExporter.Hosting;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Hosting;

/// <summary>The sweeper finishes what is due and hands it on: to the metrics and the task API's recent tasks.</summary>
public class TaskSweeperTests
{
    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly CpstMetrics _metrics;
    private readonly RecentTasks _recent = new(100);
    private readonly TaskAssembler _assembler;
    private readonly TaskSweeper _sweeper;

    public TaskSweeperTests()
    {
        var options = new TaskOptions { SettleSeconds = 5, MaxPending = 10 * TaskAssembler.SweepBatch };
        _metrics = new CpstMetrics(2000, new Dictionary<string, UseCaseOptions>(), _clock);
        _assembler = new TaskAssembler(options, _clock);
        var stateFile = new TaskStateFile(options, _assembler, new IdleLifetime(), _clock, NullLogger<TaskStateFile>.Instance);
        _sweeper = new TaskSweeper(_assembler, new TaskDecisionDelivery(_metrics, _recent, stateFile), _clock, new IdleLifetime(), NullLogger<TaskSweeper>.Instance);
    }

    private void AddWithOutcome(IEnumerable<int> traces)
    {
        SpanFacts[] spans = traces.Select(t => new SpanFacts { TraceId = new TraceId(1, (ulong)t), SpanId = (ulong)t, IsRoot = true, Outcome = Outcome.Success, ServiceName = "svc" }).ToArray();
        var decisions = new TaskDecisions();
        _assembler.Add(spans, new CallPrice[spans.Length], decisions);
        Assert.Empty(decisions.Finished);
    }

    private long TasksCounted() => _metrics.Tasks.All.ToArray().Sum(series => series.Read().Tasks);

    [Fact]
    public async Task Sweeper_TasksDue_ReachTheMetricsAndTheRecentTasks()
    {
        AddWithOutcome([1, 2, 3]);
        _clock.AdvanceSeconds(5);

        await _sweeper.StartAsync(CancellationToken.None);
        try
        {
            await Poll.UntilAsync(_clock, TaskSweeper.Interval, () => TasksCounted() == 3, "the due tasks to be counted");
            Assert.Equal(0, _assembler.PendingCount);
            Assert.Equal(3, _recent.Count);

            // The sweeper runs on: a task due later is finished by a later tick.
            AddWithOutcome([4]);
            await Poll.UntilAsync(_clock, TaskSweeper.Interval, () => TasksCounted() == 4, "a later task to be counted");
        }
        finally
        {
            await _sweeper.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void SweepOnce_MoreThanOneBatchDue_DeliversThemAll()
    {
        int due = 2 * TaskAssembler.SweepBatch + 17;
        AddWithOutcome(Enumerable.Range(1, due));
        _clock.AdvanceSeconds(5);

        _sweeper.SweepOnce();

        Assert.Equal(due, TasksCounted());
        Assert.Equal(0, _assembler.PendingCount);
    }

    [Fact]
    public async Task HaltAsync_NoTaskFinishesAfterIt()
    {
        await _sweeper.StartAsync(CancellationToken.None);
        await _sweeper.HaltAsync();
        AddWithOutcome([1]);
        _clock.AdvanceSeconds(60);

        Assert.Equal(0, TasksCounted());
        Assert.Equal(1, _assembler.PendingCount);
        await _sweeper.StopAsync(CancellationToken.None);
    }
}
