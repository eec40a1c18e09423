using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace CpstExporter.Tests.Tasks.State;

/// <summary>
/// Deadlines of restored tasks hold to the monotonic clock (docs/operations.md, "Clocks"): a state file written by a
/// clock an hour ahead, or a wall clock stepping back while the tasks wait, neither delays their finishing by an hour
/// nor finishes them at once.
/// </summary>
public sealed class TaskStateFileClockTests : IDisposable
{
    private const int Settle = 5;
    private const int Window = 900;
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-clock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StatePath => Path.Combine(_dir, "state.json");

    private (RecordingAssembler Assembler, TaskStateFile File, TaskDecisionLog Sink) Service(TimeProvider clock)
    {
        var options = new TaskOptions { StateFile = StatePath, SettleSeconds = Settle, OutcomeWindowSeconds = Window, MaxPending = 1000 };
        var sink = new TaskDecisionLog();
        var assembler = new RecordingAssembler(options, sink, clock);
        return (assembler, new TaskStateFile(options, assembler.Assembler, new IdleLifetime(), clock, NullLogger<TaskStateFile>.Instance), sink);
    }

    private static TraceId Trace(int n) => new(0x0a0b0c0d, (ulong)n);

    private static void Root(RecordingAssembler assembler, int trace, Outcome outcome) =>
        assembler.Add([new SpanFacts { TraceId = Trace(trace), SpanId = 0x100, IsRoot = true, ServiceName = "svc", Outcome = outcome }], [default(CallPrice)]);

    private static void AdvanceAndSweep(WallSteppingTimeProvider clock, RecordingAssembler assembler, double seconds)
    {
        clock.Advance(TimeSpan.FromSeconds(seconds));
        assembler.Sweep();
    }

    /// <summary>
    /// A process whose wall clock is an hour ahead saves a settling task (2 s of its 5 s gone) and a task waiting for its
    /// outcome; the next process, on a right clock, loads the file a second later.
    /// </summary>
    private (WallSteppingTimeProvider Clock, RecordingAssembler Assembler, TaskDecisionLog Sink) RestoredFromAClockAnHourAhead()
    {
        var ahead = new WallSteppingTimeProvider();
        ahead.StepWall(TimeSpan.FromHours(1));
        var (first, firstFile, _) = Service(ahead);
        Root(first, 1, Outcome.Success);
        Root(first, 2, Outcome.Unknown);
        ahead.Advance(TimeSpan.FromSeconds(2));
        firstFile.Checkpoint();
        Assert.Contains($"\"SavedAtMs\":{(TestClock.Start + TimeSpan.FromHours(1) + TimeSpan.FromSeconds(2)).ToUnixTimeMilliseconds()}", File.ReadAllText(StatePath));

        var right = new WallSteppingTimeProvider(TestClock.Start + TimeSpan.FromSeconds(3));
        var (second, secondFile, sink) = Service(right);
        secondFile.Load(StatePath);
        Assert.Equal(2, second.PendingCount);
        return (right, second, sink);
    }

    [Fact]
    public void Load_FileWrittenByAClockAnHourAhead_TasksFinishAfterTheirSettleTimeOnTheMonotonicClock()
    {
        var (clock, assembler, sink) = RestoredFromAClockAnHourAhead();

        AdvanceAndSweep(clock, assembler, 0);
        Assert.Empty(sink.Finished); // not at once
        AdvanceAndSweep(clock, assembler, Settle - 2 - 0.01);
        Assert.Empty(sink.Finished);
        AdvanceAndSweep(clock, assembler, 0.01);
        Assert.Equal(Trace(1), Assert.Single(sink.Finished).TraceId); // the 3 s left of its settle time, not an hour more

        AdvanceAndSweep(clock, assembler, Window - Settle - 0.01);
        Assert.Single(sink.Finished);
        AdvanceAndSweep(clock, assembler, 0.01);
        Assert.Equal(Trace(2), sink.Finished[^1].TraceId); // at its outcome window, counted from its first span
        Assert.Equal(Outcome.Unknown, sink.Finished[^1].Labels.Outcome);
    }

    [Fact]
    public void Load_ThenTheWallClockStepsBackAnHour_DeadlinesNeitherMoveNorHurry()
    {
        var (clock, assembler, sink) = RestoredFromAClockAnHourAhead();

        clock.StepWall(TimeSpan.FromHours(-1));
        AdvanceAndSweep(clock, assembler, Settle - 2 - 0.01);
        Assert.Empty(sink.Finished);
        AdvanceAndSweep(clock, assembler, 0.01);
        Assert.Single(sink.Finished);

        clock.StepWall(TimeSpan.FromHours(-1));
        AdvanceAndSweep(clock, assembler, Window - Settle - 0.01);
        Assert.Single(sink.Finished);
        AdvanceAndSweep(clock, assembler, 0.01);
        Assert.Equal(2, sink.Finished.Count);
    }

    [Fact]
    public void Restart_FileSavedAfterTheWallClockSteppedBack_TasksKeepTheTimeTheyHadLeft()
    {
        var clock = new WallSteppingTimeProvider();
        var (first, firstFile, _) = Service(clock);
        Root(first, 1, Outcome.Success);
        clock.Advance(TimeSpan.FromSeconds(1));
        clock.StepWall(TimeSpan.FromHours(-1)); // while it runs: the task keeps its deadline
        clock.Advance(TimeSpan.FromSeconds(1));
        first.Sweep();
        Assert.Equal(1, first.PendingCount);
        firstFile.Checkpoint();

        var next = new WallSteppingTimeProvider(TestClock.Start + TimeSpan.FromSeconds(2) - TimeSpan.FromHours(1));
        var (second, secondFile, sink) = Service(next);
        secondFile.Load(StatePath);

        AdvanceAndSweep(next, second, Settle - 2 - 0.01);
        Assert.Empty(sink.Finished);
        AdvanceAndSweep(next, second, 0.01);
        Assert.Single(sink.Finished);
    }
}
