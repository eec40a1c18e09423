using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Tests.Tasks;

/// <summary><see cref="TaskLifecycle.Finish"/>: what a finished task says: its outcome, labels, cost, model and counts.</summary>
public class TaskLifecycleTests : TaskStageTests
{
    [Fact]
    public void Finish_OneModelAndOneTool_BreakdownInlineWithoutAnArray()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Llm(1, "a", input: 100, output: 10), 0.001m), (Tool(1, "search"), 0.01m), (Tool(1, "search"), 0.01m), (Root(1, Outcome.Success), 0m));

        AdvanceAndSweep(assembler, Settle);

        TaskBreakdown breakdown = Assert.Single(Decisions.Finished).Breakdown!.Value;
        Assert.Null(breakdown.AllCalls);
        Assert.Equal([new CallShare(SpanRole.Llm, "a", 1, 100, 10, 0.001m, TablePricing(1)), new CallShare(SpanRole.Tool, "search", 2, 0, 0, 0.02m)], breakdown.Calls());
    }

    [Fact]
    public void Finish_FinishedAt_IsTheWallClockAfterAStep()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1, Outcome.Success));

        Clock.StepWall(TimeSpan.FromMinutes(-30));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(Clock.GetUtcNow(), Assert.Single(Decisions.Finished).FinishedAt); // exemplar timestamps are wall time
    }

    [Fact]
    public void Finish_RootErrorWithoutOutcome_IsFailure()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts root = Root(1);
        root.StatusError = true;
        Add(assembler, root);

        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(Decisions.Finished);
        Assert.Equal(Outcome.Failure, task.Labels.Outcome);
        Assert.Equal(FinishReason.Settled, task.Reason);
    }

    [Fact]
    public void Finish_ChildErrorWithoutOutcome_IsNotFailure()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts child = Child(1);
        child.StatusError = true;
        Add(assembler, Root(1), child);

        AdvanceAndSweep(assembler, Window);

        Assert.Equal(Outcome.Unknown, Assert.Single(Decisions.Finished).Labels.Outcome);
    }

    [Fact]
    public void Finish_RootErrorWithSuccessOutcome_IsSuccess()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts root = Root(1, Outcome.Success);
        root.StatusError = true;
        Add(assembler, root);

        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(Outcome.Success, Assert.Single(Decisions.Finished).Labels.Outcome);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Finish_RootAndChildOutcomes_RootWinsWhicheverArrivesFirst(bool rootFirst)
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts root = Root(1, Outcome.Success);
        SpanFacts child = Child(1, Outcome.Failure);
        child.EndTimeUnixNano = ulong.MaxValue;

        if (rootFirst) Add(assembler, root, child);
        else Add(assembler, child, root);
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(Outcome.Success, Assert.Single(Decisions.Finished).Labels.Outcome);
    }

    [Fact]
    public void Finish_TwoChildOutcomes_TheOneThatEndedLastWins()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts later = Child(1, Outcome.Success);
        later.EndTimeUnixNano = 2_000;
        SpanFacts earlier = Child(1, Outcome.Failure);
        earlier.EndTimeUnixNano = 1_000;

        Add(assembler, later, earlier);
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(Outcome.Success, Assert.Single(Decisions.Finished).Labels.Outcome);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Finish_ApiAndRootOutcomes_ApiWinsWhicheverArrivesFirst(bool apiFirst)
    {
        RecordingAssembler assembler = Assembler();
        if (apiFirst)
        {
            Assert.Equal(OutcomeApplied.Held, assembler.ApplyOutcome(Trace(1), Outcome.Failure));
            Add(assembler, Root(1, Outcome.Success));
        }
        else
        {
            Add(assembler, Root(1, Outcome.Success));
            Assert.Equal(OutcomeApplied.Applied, assembler.ApplyOutcome(Trace(1), Outcome.Failure));
        }
        Add(assembler, Child(1, Outcome.Success));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(Outcome.Failure, Assert.Single(Decisions.Finished).Labels.Outcome);
    }

    [Fact]
    public void Finish_PrimaryModel_IsTheModelWithTheLargestCostShare()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m),
            (Llm(1, "gpt-4o-mini"), 0.001m), (Llm(1, "gpt-4o-mini"), 0.001m), (Llm(1, "gpt-4o-mini"), 0.001m),
            (Llm(1, "gpt-4o"), 0.004m),
            (Llm(1, "claude-haiku-4-5"), 0.002m));

        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(Decisions.Finished);
        Assert.Equal("gpt-4o", task.Labels.Model);
        Assert.Equal(0.009m, task.CostUsd);
        Assert.Equal(5, task.LlmCalls);
    }

    [Fact]
    public void Finish_FiftyThousandModelsInOneTrace_EachCallsShareIsKeptAndThePrimaryFound()
    {
        const int models = 50_000;
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1));
        for (int batch = 0; batch < models / 1000; batch++)
            Add(assembler, Enumerable.Range(batch * 1000, 1000).Select(m => (Llm(1, $"model-{m}"), 0.000001m)).ToArray());
        // The model called first and one in the middle of the index both get more calls; the middle one costs most.
        Add(assembler, (Llm(1, "model-0"), 0.000002m), (Llm(1, "model-25000"), 0.000003m), (Llm(1, "model-25000"), 0.000001m));
        assembler.ApplyOutcome(Trace(1), Outcome.Success);

        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(Decisions.Finished);
        Assert.Equal("model-25000", task.Labels.Model);
        Assert.Equal(models + 3, task.LlmCalls);
        Assert.Equal(0.050006m, task.CostUsd);
    }

    [Fact]
    public void Finish_CheapModelCalledMostAddsUpToMore_IsPrimary()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m), (Llm(1, "big"), 0.004m),
            (Llm(1, "small"), 0.0015m), (Llm(1, "small"), 0.0015m), (Llm(1, "small"), 0.0015m));

        AdvanceAndSweep(assembler, Settle);

        Assert.Equal("small", Assert.Single(Decisions.Finished).Labels.Model);
    }

    [Fact]
    public void Finish_EqualCostShares_TheModelCalledMostIsPrimary()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m), (Llm(1, "once"), 0m), (Llm(1, "twice"), 0m), (Llm(1, "twice"), 0m));

        AdvanceAndSweep(assembler, Settle);

        Assert.Equal("twice", Assert.Single(Decisions.Finished).Labels.Model);
    }

    [Fact]
    public void Finish_NoLlmCalls_ModelIsNone()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m), (Tool(1, "web_search"), 0.01m));

        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(Decisions.Finished);
        Assert.Equal("none", task.Labels.Model);
        Assert.Equal(1, task.ToolCalls);
        Assert.Equal(0, task.LlmCalls);
        Assert.Equal(0.01m, task.CostUsd);
    }

    [Fact]
    public void Finish_LlmCallWithoutModel_ModelIsUnknown()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m), (Llm(1, null), 0.002m));

        AdvanceAndSweep(assembler, Settle);

        Assert.Equal("unknown", Assert.Single(Decisions.Finished).Labels.Model);
    }

    [Fact]
    public void Finish_Counts_SumTheTasksSpans()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m), (Llm(1, "gpt-4o", 1000, 200), 0.0045m), (Llm(1, "gpt-4o", 500, 50), 0.00175m),
            (Tool(1, "web_search"), 0.01m), (Tool(1, "file_search"), 0.0025m), (Child(1), 0m));

        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(Decisions.Finished);
        Assert.Equal(0.01875m, task.CostUsd);
        Assert.Equal(2, task.LlmCalls);
        Assert.Equal(2, task.ToolCalls);
        Assert.Equal(1500, task.InputTokens);
        Assert.Equal(250, task.OutputTokens);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Finish_ExplicitTaskCostOnRoot_ReplacesTheSumOfSpans(bool rootFirst)
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts root = Root(1, Outcome.Success);
        root.TaskCost = 1.25m;
        (SpanFacts, decimal)[] children = [(Llm(1, "gpt-4o"), 0.1m), (Llm(1, "gpt-4o"), 0.2m)];

        if (rootFirst) Add(assembler, [(root, 0.05m), .. children]);
        else Add(assembler, [.. children, (root, 0.05m)]);
        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(Decisions.Finished);
        Assert.Equal(1.25m, task.CostUsd);
        Assert.Equal(2, task.LlmCalls);
    }

    [Fact]
    public void Finish_CostsOfManySpans_AddUpExactly()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m));
        for (int i = 0; i < 1000; i++) Add(assembler, (Llm(1, "gpt-4o"), 0.0000001m));

        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(0.0001m, Assert.Single(Decisions.Finished).CostUsd);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Finish_RootCpstUseCase_BeatsChildServiceName(bool rootFirst)
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts root = Root(1, Outcome.Success, useCase: "support", useCaseRank: 0);
        SpanFacts child = Child(1, useCase: "checkout-service", useCaseRank: 2);

        if (rootFirst) Add(assembler, root, child);
        else Add(assembler, child, root);
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal("support", Assert.Single(Decisions.Finished).Labels.UseCase);
    }

    [Theory]
    // docs/conventions.md: cpst.use_case on any span (root first) before the root's agent name or service; once the root
    // arrived the use case is final, so a later child's cpst.use_case no longer moves it.
    [InlineData(0, false, "child-says")]
    [InlineData(0, true, "root-service")]
    // A child's agent name never beats the root's service: frameworks put the agent's name on every span.
    [InlineData(1, false, "root-service")]
    [InlineData(1, true, "root-service")]
    public void Finish_ChildUseCase_AgainstTheRootsServiceName(int childRank, bool rootFirst, string expected)
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts child = Child(1, useCase: "child-says", useCaseRank: childRank);
        SpanFacts root = Root(1, Outcome.Success, useCase: "root-service", useCaseRank: 2);
        if (rootFirst) Add(assembler, root, child);
        else Add(assembler, child, root);

        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(expected, Assert.Single(Decisions.Finished).Labels.UseCase);
    }

    [Fact]
    public void Finish_RootAgentName_BeatsRootServiceName()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts root = Root(1, Outcome.Success, useCase: "host", useCaseRank: 2);
        root.AgentName = "weather-agent";
        Add(assembler, root);

        AdvanceAndSweep(assembler, Settle);

        Assert.Equal("weather-agent", Assert.Single(Decisions.Finished).Labels.UseCase);
    }

    [Fact]
    public void Finish_NoUseCaseAnywhere_IsUnknown_AndEnvironmentVariantNone()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1, Outcome.Success, useCase: null));

        AdvanceAndSweep(assembler, Settle);

        TaskLabels labels = Assert.Single(Decisions.Finished).Labels;
        Assert.Equal("unknown", labels.UseCase);
        Assert.Equal("none", labels.Environment);
        Assert.Equal("none", labels.Variant);
    }

    [Fact]
    public void Finish_EnvironmentAndVariant_RootBeatsChildren()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts child = Child(1);
        child.Environment = "staging";
        child.Variant = "a";
        SpanFacts root = Root(1, Outcome.Success);
        root.Environment = "prod";
        root.Variant = "b";
        SpanFacts laterChild = Child(1);
        laterChild.Environment = "dev";
        laterChild.Variant = "c";

        Add(assembler, child, root, laterChild);
        AdvanceAndSweep(assembler, Settle);

        TaskLabels labels = Assert.Single(Decisions.Finished).Labels;
        Assert.Equal("prod", labels.Environment);
        Assert.Equal("b", labels.Variant);
    }

    [Fact]
    public void PendingCount_CountsTracesNotSpans()
    {
        RecordingAssembler assembler = Assembler();

        Add(assembler, Root(1), Child(1), Child(1), Root(2));

        Assert.Equal(2, assembler.PendingCount);
    }

    // ---------------------------------------------------------------- the lifecycle alone, without the assembler's lock

    [Fact]
    public void Schedule_ActivityOnATaskWithAnOutcome_MovesItToTheEndOfTheSettlingList()
    {
        var tasks = new TaskLifecycle(new TaskOptions { SettleSeconds = Settle }, Clock);
        PendingTask first = tasks.Start(Trace(1), tasks.NowMs(), 4), second = tasks.Start(Trace(2), tasks.NowMs(), 4);
        foreach (PendingTask task in new[] { first, second })
        {
            task.Outcome = Outcome.Success;
            task.OutcomeSource = OutcomeSource.Root;
            tasks.Schedule(task);
        }

        tasks.Schedule(first); // a later span of the first task

        Assert.Same(second, tasks.Settling.Head); // due first now: its last activity is the older
        Assert.Null(tasks.Waiting.Head);
    }

    [Fact]
    public void Finish_TaskFirstSeenByTheLastCheckpoint_IsToBeJournaled_ALaterOneIsNot()
    {
        var tasks = new TaskLifecycle(new TaskOptions(), Clock);
        PendingTask written = tasks.Start(Trace(1), tasks.NowMs(), 4);
        tasks.Schedule(written);
        tasks.WrittenUpTo = tasks.NowMs(); // a checkpoint began
        Clock.AdvanceSeconds(1);
        PendingTask later = tasks.Start(Trace(2), tasks.NowMs(), 4);
        tasks.Schedule(later);
        var decisions = new TaskDecisions();

        tasks.Finish(written, FinishReason.Settled, tasks.NowMs(), Clock.GetUtcNow(), decisions);
        tasks.Finish(later, FinishReason.Settled, tasks.NowMs(), Clock.GetUtcNow(), decisions);
        tasks.Recycle();

        Assert.Equal([Trace(1), Trace(2)], decisions.Finished.Select(f => f.TraceId));
        Assert.Equal([Trace(1)], decisions.ToJournal);
        Assert.Equal(0, tasks.PendingCount);
        Assert.True(tasks.IsKnown(Trace(1)) && tasks.IsKnown(Trace(2)), "finished tasks are remembered");
    }
}
