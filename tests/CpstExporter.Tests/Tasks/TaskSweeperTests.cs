using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Tasks;

public class TaskSweeperTests
{
    /// <summary>Records what finishes, and throws for the tasks it is told to.</summary>
    private sealed class ThrowingSink(params int[] throwFor) : ITaskSink
    {
        private readonly RecordingTaskSink _recording = new();
        private int _finished;

        public int Finished => Volatile.Read(ref _finished);

        public void TaskFinished(in TaskRecord task)
        {
            Interlocked.Increment(ref _finished);
            if (throwFor.Contains((int)task.TraceId.Low)) throw new InvalidOperationException($"the sink failed for task {task.TraceId.Low}");
        }

        public void CallCounted(string useCase, in CountedCall call) => _recording.CallCounted(useCase, in call);
        public void CallsCounted(string useCase, in CountedCall sum, int calls) => _recording.CallsCounted(useCase, in sum, calls);
        public void CallCountedEarly() => _recording.CallCountedEarly();
        public void SpanDuplicated() => _recording.SpanDuplicated();
        public void LateSpan(in TaskLabels labels, in LateContribution contribution) => _recording.LateSpan(labels, contribution);
        public void LateOutcome() => _recording.LateOutcome();
        public void OutcomeDropped() => _recording.OutcomeDropped();
        public void StateSaveFailed() => _recording.StateSaveFailed();
    }

    private static void AddWithOutcome(TaskAssembler assembler, params int[] traces) =>
        assembler.Add(traces.Select(t => new SpanFacts { TraceId = new TraceId(1, (ulong)t), SpanId = (ulong)t, IsRoot = true, Outcome = Outcome.Success }).ToArray(),
            new CallPrice[traces.Length]);

    [Fact]
    public async Task Sweep_SinkThrows_TheSweeperGoesOnAndTheOtherTasksStillReachTheSink()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        var sink = new ThrowingSink(1);
        var assembler = new TaskAssembler(new TaskOptions { SettleSeconds = 5 }, sink, clock);
        var sweeper = new TaskSweeper(assembler, clock, new IdleLifetime(), NullLogger<TaskSweeper>.Instance);
        AddWithOutcome(assembler, 1, 2, 3);
        clock.AdvanceSeconds(5);

        await sweeper.StartAsync(CancellationToken.None);
        try
        {
            await Poll.UntilAsync(clock, TaskSweeper.Interval, () => sink.Finished == 3, "the due tasks to finish, the one whose sink call throws too");
            Assert.Equal(0, assembler.PendingCount);

            // The sweeper runs on after the exception: a task due later is finished by a later tick.
            AddWithOutcome(assembler, 4);
            await Poll.UntilAsync(clock, TaskSweeper.Interval, () => sink.Finished == 4, "the sweeper to finish a task after the sink threw");
            Assert.True(sweeper.ExecuteTask is { IsCompleted: false }, "the sweeper stopped");
        }
        finally
        {
            await sweeper.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void SweepOnce_SinkThrows_IsLoggedNotThrown()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        var sink = new ThrowingSink(1, 2);
        var assembler = new TaskAssembler(new TaskOptions { SettleSeconds = 5 }, sink, clock);
        var sweeper = new TaskSweeper(assembler, clock, new IdleLifetime(), NullLogger<TaskSweeper>.Instance);
        AddWithOutcome(assembler, 1, 2, 3);
        clock.AdvanceSeconds(5);

        sweeper.SweepOnce();

        Assert.Equal(3, sink.Finished);
        Assert.Equal(0, assembler.PendingCount);
    }

    [Fact]
    public void Sweep_SinkThrows_ThrowsAfterEveryFinishedTaskWasSent()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        var sink = new ThrowingSink(2);
        var assembler = new TaskAssembler(new TaskOptions { SettleSeconds = 5 }, sink, clock);
        AddWithOutcome(assembler, 1, 2, 3);
        clock.AdvanceSeconds(5);

        Assert.Throws<InvalidOperationException>(() => assembler.Sweep());

        Assert.Equal(3, sink.Finished);
        AddWithOutcome(assembler, 4); // the assembler is in order
        clock.AdvanceSeconds(5);
        assembler.Sweep();
        Assert.Equal(4, sink.Finished);
    }
}
