using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Tests.Tasks;

/// <summary><see cref="OutcomeIntake"/>: outcomes from the outcome API applied, held for traces not seen yet, dropped, or late.</summary>
public class OutcomeIntakeTests : TaskStageTests
{
    [Fact]
    public void ApplyOutcome_FinishedTask_RememberedForTheWindowWhateverTheWallClockDoes()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1, Outcome.Success));
        AdvanceAndSweep(assembler, Settle);

        Clock.StepWall(TimeSpan.FromHours(2));
        AdvanceAndSweep(assembler, Window - 1);
        Assert.Equal(OutcomeApplied.Late, assembler.ApplyOutcome(Trace(1), Outcome.Failure));

        Clock.StepWall(TimeSpan.FromHours(-4));
        AdvanceAndSweep(assembler, 1);
        Assert.Equal(OutcomeApplied.Held, assembler.ApplyOutcome(Trace(1), Outcome.Failure)); // forgotten at the window
    }

    [Fact]
    public void ApplyOutcome_BeforeAnySpan_IsHeldAndAppliedWhenTheFirstSpanArrives()
    {
        RecordingAssembler assembler = Assembler();

        Assert.Equal(OutcomeApplied.Held, assembler.ApplyOutcome(Trace(1), Outcome.Success));
        AdvanceAndSweep(assembler, 30);
        Add(assembler, Root(1));
        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(Decisions.Finished);
        Assert.Equal(Outcome.Success, task.Labels.Outcome);
        Assert.Equal(FinishReason.Settled, task.Reason);
        Assert.Equal(0, Decisions.DroppedOutcomes);
    }

    [Fact]
    public void ApplyOutcome_HeldPastTheWindow_IsDroppedAndCounted()
    {
        RecordingAssembler assembler = Assembler();
        assembler.ApplyOutcome(Trace(1), Outcome.Success);

        AdvanceAndSweep(assembler, Window - 1);
        Assert.Equal(0, Decisions.DroppedOutcomes);
        AdvanceAndSweep(assembler, 1);
        Assert.Equal(1, Decisions.DroppedOutcomes);

        Add(assembler, Root(1));
        AdvanceAndSweep(assembler, Settle);
        Assert.Empty(Decisions.Finished); // no outcome any more: it waits for the window
        AdvanceAndSweep(assembler, Window);
        Assert.Equal(Outcome.Unknown, Assert.Single(Decisions.Finished).Labels.Outcome);
    }

    [Fact]
    public void ApplyOutcome_HeldOutcomeUsed_IsNotDroppedLater()
    {
        RecordingAssembler assembler = Assembler();
        assembler.ApplyOutcome(Trace(1), Outcome.Failure);
        Add(assembler, Root(1));

        AdvanceAndSweep(assembler, Window * 2);

        Assert.Equal(0, Decisions.DroppedOutcomes);
        Assert.Equal(Outcome.Failure, Assert.Single(Decisions.Finished).Labels.Outcome);
    }

    [Fact]
    public void ApplyOutcome_HoldingAreaFull_DropsAndCounts()
    {
        RecordingAssembler assembler = Assembler(maxPending: 2);

        assembler.ApplyOutcome(Trace(1), Outcome.Success);
        assembler.ApplyOutcome(Trace(2), Outcome.Success);

        Assert.Equal(OutcomeApplied.Dropped, assembler.ApplyOutcome(Trace(3), Outcome.Success));
        Assert.Equal(1, Decisions.DroppedOutcomes);
    }

    [Fact]
    public void ApplyOutcome_RepostedForAnUnseenTrace_HoldsOneEntryWhoseWindowRunsFromTheFirstPost()
    {
        RecordingAssembler assembler = Assembler();

        for (int i = 0; i < 10_000; i++)
            Assert.Equal(OutcomeApplied.Held, assembler.ApplyOutcome(Trace(1), i % 2 == 0 ? Outcome.Success : Outcome.Failure));
        Assert.Equal(1, assembler.HeldOutcomeEntries);

        AdvanceAndSweep(assembler, Window - 1);
        assembler.ApplyOutcome(Trace(1), Outcome.Success); // the last post wins, but does not extend the window
        AdvanceAndSweep(assembler, 1);

        Assert.Equal(1, Decisions.DroppedOutcomes);
        Assert.Equal(0, assembler.HeldOutcomeEntries);
    }

    [Fact]
    public void ApplyOutcome_RepostedForAPendingTask_ReplacesTheVerdictButDoesNotKeepItPending()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1));
        Assert.Equal(OutcomeApplied.Applied, assembler.ApplyOutcome(Trace(1), Outcome.Success));

        for (int i = 0; i < Settle * 4; i++)
        {
            Clock.AdvanceSeconds(0.25);
            assembler.ApplyOutcome(Trace(1), Outcome.Failure);
            assembler.Sweep();
        }

        TaskRecord task = Assert.Single(Decisions.Finished);
        Assert.Equal(Outcome.Failure, task.Labels.Outcome);
        Assert.Equal(FinishReason.Settled, task.Reason);
    }

    [Fact]
    public void ApplyOutcome_AfterTheTaskFinished_IsLateAndChangesNothing()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1, Outcome.Success));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(OutcomeApplied.Late, assembler.ApplyOutcome(Trace(1), Outcome.Failure));

        Assert.Equal(1, Decisions.LateOutcomes);
        Assert.Equal(Outcome.Success, Assert.Single(Decisions.Finished).Labels.Outcome);
        AdvanceAndSweep(assembler, Window * 2);
        Assert.Single(Decisions.Finished);
    }

    // ---------------------------------------------------------------- the job alone, without the assembler's lock

    [Fact]
    public void Apply_OnlyTheFirstApiOutcomeMovesTheDeadline()
    {
        var tasks = new TaskLifecycle(new TaskOptions { SettleSeconds = Settle }, Clock);
        var intake = new OutcomeIntake(tasks);
        PendingTask task = tasks.Start(Trace(1), tasks.NowMs(), 4);
        tasks.Schedule(task);
        Clock.AdvanceSeconds(2);

        Assert.Equal(OutcomeApplied.Applied, intake.Apply(Trace(1), Outcome.Failure));
        long deadline = task.DeadlineMs(tasks.SettleMs, tasks.WindowMs);
        Clock.AdvanceSeconds(2);
        Assert.Equal(OutcomeApplied.Applied, intake.Apply(Trace(1), Outcome.Success));

        Assert.Equal(deadline, task.DeadlineMs(tasks.SettleMs, tasks.WindowMs));
        Assert.Equal(Outcome.Success, task.Api!.Outcome);
        Assert.Same(task, tasks.Settling.Head);
    }
}
