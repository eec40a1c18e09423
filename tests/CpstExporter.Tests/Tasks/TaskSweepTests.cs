using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Tests.Tasks;

/// <summary><see cref="TaskSweep"/>: tasks finished at their deadlines, whatever the wall clock does, and the oldest finished early at the pending limit.</summary>
public class TaskSweepTests : TaskStageTests
{
    [Fact]
    public void Sweep_TaskWithOutcome_FinishesSettleSecondsAfterItsLastSpan()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1, Outcome.Success));
        AdvanceAndSweep(assembler, 3);
        Add(assembler, Child(1)); // a straggler moves the settle deadline

        AdvanceAndSweep(assembler, Settle - 0.001);
        Assert.Empty(Decisions.Finished);
        Assert.Equal(1, assembler.PendingCount);

        AdvanceAndSweep(assembler, 0.001);
        TaskRecord task = Assert.Single(Decisions.Finished);
        Assert.Equal(Outcome.Success, task.Labels.Outcome);
        Assert.Equal(FinishReason.Settled, task.Reason);
        Assert.Equal(Trace(1), task.TraceId);
        Assert.Equal(Clock.GetUtcNow(), task.FinishedAt);
        Assert.Equal(0, assembler.PendingCount);
    }

    [Fact]
    public void Sweep_OutcomeArrivesOnLaterSpan_SettlesFromThatSpan()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1));
        AdvanceAndSweep(assembler, 60);
        Add(assembler, Child(1, Outcome.Failure));

        AdvanceAndSweep(assembler, Settle - 1);
        Assert.Empty(Decisions.Finished);
        AdvanceAndSweep(assembler, 1);

        Assert.Equal(Outcome.Failure, Assert.Single(Decisions.Finished).Labels.Outcome);
    }

    [Fact]
    public void Sweep_NoOutcome_FinishesUnknownAtTheWindowFromTheFirstSpan()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1));
        AdvanceAndSweep(assembler, 600);
        Add(assembler, Child(1)); // later spans do not extend the window

        AdvanceAndSweep(assembler, Window - 600 - 0.001);
        Assert.Empty(Decisions.Finished);

        AdvanceAndSweep(assembler, 0.001);
        TaskRecord task = Assert.Single(Decisions.Finished);
        Assert.Equal(Outcome.Unknown, task.Labels.Outcome);
        Assert.Equal(FinishReason.OutcomeWindowElapsed, task.Reason);
    }

    [Fact]
    public void Sweep_NoOutcomeYet_NotFinishedAtSettleTime()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1));

        AdvanceAndSweep(assembler, Settle * 10);

        Assert.Empty(Decisions.Finished);
        Assert.Equal(1, assembler.PendingCount);
    }

    [Fact]
    public void Sweep_OutcomeLateInTheWindow_SettlesAfterTheOutcome()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1));
        AdvanceAndSweep(assembler, Window - 2);

        Assert.Equal(OutcomeApplied.Applied, assembler.ApplyOutcome(Trace(1), Outcome.Success));
        AdvanceAndSweep(assembler, Settle - 1);
        Assert.Empty(Decisions.Finished);

        AdvanceAndSweep(assembler, 1);
        TaskRecord task = Assert.Single(Decisions.Finished);
        Assert.Equal(Outcome.Success, task.Labels.Outcome);
        Assert.Equal(FinishReason.Settled, task.Reason);
    }

    [Fact]
    public void Sweep_ReturnsHowManyFinished()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1, Outcome.Success), Root(2, Outcome.Failure), Root(3));

        Clock.AdvanceSeconds(Settle);

        Assert.Equal(2, assembler.Sweep());
        Assert.Equal(1, assembler.PendingCount);
    }

    [Fact]
    public void Sweep_OutcomeForALaterTask_SettlesItWhileAnEarlierTaskStillWaits()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1));
        Clock.AdvanceSeconds(1);
        Add(assembler, Root(2));
        Clock.AdvanceSeconds(1);
        assembler.ApplyOutcome(Trace(2), Outcome.Success);

        AdvanceAndSweep(assembler, Settle);
        Assert.Equal([Trace(2)], Decisions.Finished.Select(t => t.TraceId));

        AdvanceAndSweep(assembler, Window);
        Assert.Equal([Trace(2), Trace(1)], Decisions.Finished.Select(t => t.TraceId));
        Assert.Equal(FinishReason.OutcomeWindowElapsed, Decisions.Finished[1].Reason);
    }

    [Fact]
    public void Sweep_ManyTasksSettling_EachFinishesAtItsOwnDeadline()
    {
        RecordingAssembler assembler = Assembler();
        for (int i = 1; i <= 3; i++)
        {
            Add(assembler, Root(i, Outcome.Success));
            Clock.AdvanceSeconds(1);
        }
        Add(assembler, Child(1)); // task 1's straggler puts it last in line

        AdvanceAndSweep(assembler, Settle - 2); // 2 s after task 3, 5 s after task 2
        Assert.Equal([Trace(2)], Decisions.Finished.Select(t => t.TraceId));
        AdvanceAndSweep(assembler, 1);
        Assert.Equal([Trace(2), Trace(3)], Decisions.Finished.Select(t => t.TraceId));
        AdvanceAndSweep(assembler, 1);
        Assert.Equal([Trace(2), Trace(3), Trace(1)], Decisions.Finished.Select(t => t.TraceId));
    }

    [Fact]
    public void Sweep_WallClockStepsAnHourForward_FinishesNothingEarly()
    {
        RecordingAssembler assembler = Assembler();
        for (int i = 1; i <= 100; i++) Add(assembler, Root(i)); // waiting for an outcome
        for (int i = 101; i <= 110; i++) Add(assembler, Root(i, Outcome.Success)); // settling
        assembler.ApplyOutcome(Trace(500), Outcome.Success); // held for a trace not seen yet

        Clock.StepWall(TimeSpan.FromHours(1));
        AdvanceAndSweep(assembler, 3);

        Assert.Empty(Decisions.Finished);
        Assert.Equal(110, assembler.PendingCount);
        AdvanceAndSweep(assembler, Settle - 3);
        Assert.Equal(10, Decisions.Finished.Count); // at their own deadline, not earlier
        AdvanceAndSweep(assembler, Window - Settle - 0.001);
        Assert.Equal(10, Decisions.Finished.Count);
        Assert.Equal(0, Decisions.DroppedOutcomes);
        AdvanceAndSweep(assembler, 0.001);
        Assert.Equal(110, Decisions.Finished.Count);
        Assert.Equal(1, Decisions.DroppedOutcomes);
    }

    [Fact]
    public void Sweep_WallClockStepsAnHourBack_DelaysNothing()
    {
        RecordingAssembler assembler = Assembler();
        for (int i = 1; i <= 100; i++) Add(assembler, Root(i));
        Add(assembler, Root(101));
        assembler.ApplyOutcome(Trace(500), Outcome.Success);
        for (int i = 1; i <= 100; i++) Assert.Equal(OutcomeApplied.Applied, assembler.ApplyOutcome(Trace(i), Outcome.Success));

        Clock.StepWall(TimeSpan.FromHours(-1));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(100, Decisions.Finished.Count);
        Assert.All(Decisions.Finished, t => Assert.Equal(Outcome.Success, t.Labels.Outcome));
        AdvanceAndSweep(assembler, Window - Settle);
        Assert.Equal(Trace(101), Decisions.Finished[^1].TraceId); // the one without an outcome, at the window
        Assert.Equal(1, Decisions.DroppedOutcomes);
    }

    [Fact]
    public void Add_MaxPendingReached_OldestTaskFinishesEvicted()
    {
        RecordingAssembler assembler = Assembler(maxPending: 2);
        Add(assembler, Root(1));
        Clock.AdvanceSeconds(1);
        Add(assembler, Root(2));
        Clock.AdvanceSeconds(1);
        Add(assembler, Child(1)); // activity does not make a task younger: eviction is by arrival

        Add(assembler, Root(3));

        TaskRecord evicted = Assert.Single(Decisions.Finished);
        Assert.Equal(Trace(1), evicted.TraceId);
        Assert.Equal(FinishReason.Evicted, evicted.Reason);
        Assert.Equal(Outcome.Unknown, evicted.Labels.Outcome);
        Assert.Equal(1, Evicted);
        Assert.Equal(2, assembler.PendingCount);

        Add(assembler, Root(4));
        Assert.Equal(Trace(2), Decisions.Finished[1].TraceId);
        Assert.Equal(2, Evicted);
    }

    [Fact]
    public void Add_MaxPendingReached_OldestByFirstSpanGoesWhetherOrNotItHasAnOutcome()
    {
        RecordingAssembler assembler = Assembler(maxPending: 2);
        Add(assembler, Root(1));
        Clock.AdvanceSeconds(1);
        Add(assembler, Root(2));
        Clock.AdvanceSeconds(1);
        assembler.ApplyOutcome(Trace(1), Outcome.Success); // task 1 now settles, yet is still the oldest

        Add(assembler, Root(3));

        TaskRecord evicted = Assert.Single(Decisions.Finished);
        Assert.Equal(Trace(1), evicted.TraceId);
        Assert.Equal(Outcome.Success, evicted.Labels.Outcome);
    }

    [Fact]
    public void Add_EvictedTask_LaterSpanIsLate()
    {
        RecordingAssembler assembler = Assembler(maxPending: 1);
        Add(assembler, Root(1));
        Add(assembler, Root(2));

        Add(assembler, (Llm(1, "gpt-4o"), 0.5m));

        Assert.Equal(0.5m, Assert.Single(Decisions.LateSpans).Contribution.CostUsd);
    }

    [Fact]
    public void Sweep_EvictedTask_NotFinishedAgain()
    {
        RecordingAssembler assembler = Assembler(maxPending: 1);
        Add(assembler, Root(1, Outcome.Success));
        Add(assembler, Root(2, Outcome.Success));

        AdvanceAndSweep(assembler, Window * 2);

        Assert.Equal([Trace(1), Trace(2)], Decisions.Finished.Select(t => t.TraceId));
    }

    [Fact]
    public void Add_OneRequestOfNewTracesPastMaxPending_EvictsItsShareAndRefusesTheRest()
    {
        RecordingAssembler assembler = Assembler(maxPending: 160); // a request may evict 160 / 16 = 10
        for (int t = 0; t < 160; t++) Add(assembler, Root(t));

        int refused = assembler.Add(Enumerable.Range(1000, 100).Select(t => Root(t)).ToArray(),
            Enumerable.Repeat(Priced.At(0m), 100).ToArray());

        Assert.Equal(90, refused);
        Assert.Equal(10, Evicted);
        Assert.Equal(160, assembler.PendingCount);
        Assert.Equal(Enumerable.Range(0, 10), Decisions.Finished.Select(f => (int)f.TraceId.Low).Order()); // the oldest ten
        // The next request has a share of its own; spans of tasks already pending are never refused.
        Assert.Equal(0, assembler.Add([Child(20), Root(2000)], [Priced.At(0m), Priced.At(0m)]));
        Assert.Equal(11, Evicted);
    }

    // ---------------------------------------------------------------- the job alone, without the assembler's lock

    /// <summary>A lifecycle with <paramref name="tasks"/> tasks with an outcome, settling since now.</summary>
    private (TaskLifecycle Tasks, TaskSweep Sweep) Settling(int tasks, int maxPending = 1000)
    {
        var lifecycle = new TaskLifecycle(new TaskOptions { SettleSeconds = Settle, MaxPending = maxPending }, Clock);
        for (int i = 1; i <= tasks; i++)
        {
            PendingTask task = lifecycle.Start(Trace(i), lifecycle.NowMs(), spansAhead: 4);
            task.Outcome = Outcome.Success;
            task.OutcomeSource = OutcomeSource.Root;
            lifecycle.Schedule(task);
        }
        return (lifecycle, new TaskSweep(lifecycle));
    }

    [Fact]
    public void FinishDue_MoreDueThanItMayFinish_FinishesThatManyInDeadlineOrderAndLeavesTheRest()
    {
        var (tasks, sweep) = Settling(5);
        Clock.AdvanceSeconds(Settle);
        var decisions = new TaskDecisions();

        Assert.Equal(3, sweep.FinishDue(tasks.NowMs(), Clock.GetUtcNow(), most: 3, decisions));

        Assert.Equal([Trace(1), Trace(2), Trace(3)], decisions.Finished.Select(f => f.TraceId));
        Assert.Equal(2, tasks.PendingCount);
        Assert.All(decisions.Finished, f => Assert.Equal(FinishReason.Settled, f.Reason));
    }

    [Fact]
    public void MakeRoom_AtTheLimit_EvictsTheOldestWhileTheRequestMayAndThenRefuses()
    {
        var (tasks, sweep) = Settling(3, maxPending: 3);
        var decisions = new TaskDecisions();
        int evictionsLeft = 2; // what the request may still evict (MaxEvictionsPerRequest at its start)

        Clock.AdvanceSeconds(1); // the tasks that come now are the newest
        Assert.True(sweep.MakeRoom(tasks.NowMs(), ref evictionsLeft, decisions));
        tasks.Schedule(tasks.Start(Trace(4), tasks.NowMs(), 4)); // takes the room
        Assert.True(sweep.MakeRoom(tasks.NowMs(), ref evictionsLeft, decisions));
        tasks.Schedule(tasks.Start(Trace(5), tasks.NowMs(), 4));

        Assert.False(sweep.MakeRoom(tasks.NowMs(), ref evictionsLeft, decisions));
        Assert.Equal([Trace(1), Trace(2)], decisions.Finished.Select(f => f.TraceId));
        Assert.All(decisions.Finished, f => Assert.Equal(FinishReason.Evicted, f.Reason));
        Assert.Equal(3, tasks.PendingCount);
    }
}
