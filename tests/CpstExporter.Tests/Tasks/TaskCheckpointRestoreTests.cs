using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Tests.Tasks;

/// <summary><see cref="TaskCheckpoint.Restore"/>: tasks taken back from a state file keep what they were and their deadlines run on.</summary>
public class TaskCheckpointRestoreTests : TaskStageTests
{
    [Fact]
    public void Restore_TaskWithABreakdown_FinishesWithTheSameBreakdown()
    {
        SpanFacts Timed(SpanFacts span, ulong start, ulong end)
        {
            span.StartTimeUnixNano = start;
            span.EndTimeUnixNano = end;
            return span;
        }
        SpanFacts cached = Llm(1, "b", input: 300, output: 30);
        cached.Tokens = new TokenUsage(300, 30, 100, 50, 10);
        (SpanFacts, decimal)[] spans =
        [
            (Timed(Llm(1, "a", input: 100, output: 10), 2_000, 5_000), 0.001m), (Timed(cached, 3_000, 9_000), 0.003m),
            (Llm(1, "a", input: 200, output: 20), 0.002m), (Tool(1, "search"), 0.01m), (Tool(1, "fetch"), 0.02m), (Tool(1, "fetch"), 0.02m),
            (Timed(Root(1, Outcome.Success), 1_000, 10_000), 0m),
        ];
        RecordingAssembler live = Assembler(), saved = Assembler();
        Add(live, spans);
        Add(saved, spans);
        TaskStateSnapshot snapshot = saved.Snapshot();
        RecordingAssembler restarted = Assembler();
        restarted.Restore(snapshot);

        AdvanceAndSweep(live, Settle);
        AdvanceAndSweep(restarted, Settle);

        Assert.Equal(2, Decisions.Finished.Count);
        TaskBreakdown expected = Decisions.Finished[0].Breakdown!.Value, actual = Decisions.Finished[1].Breakdown!.Value;
        CallShare[] calls =
        [
            new CallShare(SpanRole.Llm, "a", 2, 300, 30, 0.003m, TablePricing(2)), new CallShare(SpanRole.Llm, "b", 1, 300, 30, 0.003m, TablePricing(1)),
            new CallShare(SpanRole.Tool, "search", 1, 0, 0, 0.01m), new CallShare(SpanRole.Tool, "fetch", 2, 0, 0, 0.04m),
        ];
        Assert.Equal(new TaskBreakdown(1_000, 10_000, OutcomeSource.Root, 0.006m, 0.05m, 100, 50, 10, calls[0], calls[2], expected.AllCalls, 4), expected);
        Assert.Equal(calls, expected.Calls());
        Assert.Equal(expected with { AllCalls = null }, actual with { AllCalls = null }); // the arrays compare by reference: apart
        Assert.Equal(expected.Calls(), actual.Calls());
    }

    [Fact]
    public void Restore_HowCallsWerePriced_SurvivesTheStateFile()
    {
        static CallPrice Price(decimal cost, PricingBasis basis, ServiceTier tier, bool tierUnpriced = false) =>
            new(cost, basis, tier, tierUnpriced ? CallPriceNotes.ServiceTierUnpriced : CallPriceNotes.None);
        // No root yet: the calls are held, with how they were priced, until it comes.
        SpanFacts[] spans = [Llm(1, "a", spanId: 10), Llm(1, "a", spanId: 11), Llm(1, "b", spanId: 12)];
        CallPrice[] prices =
        [
            Price(0.065m, PricingBasis.Table, ServiceTier.Priority), Price(1.5225m, PricingBasis.TableLongContext, ServiceTier.Standard),
            Price(0.0325m, PricingBasis.Table, ServiceTier.Flex, tierUnpriced: true),
        ];
        RecordingAssembler saved = Assembler();
        saved.Add(spans, prices);
        RecordingAssembler restarted = Assembler();

        restarted.Restore(saved.Snapshot());
        Add(restarted, Root(1, Outcome.Success));
        AdvanceAndSweep(restarted, Settle);

        Assert.Equal([(PricingBasis.Table, ServiceTier.Priority, false), (PricingBasis.TableLongContext, ServiceTier.Standard, false),
            (PricingBasis.Table, ServiceTier.Flex, true)], Decisions.Calls.Select(c => (c.Call.Basis, c.Call.ServiceTier, c.Call.ServiceTierUnpriced)));
        CallShare[] calls = Assert.Single(Decisions.Finished).Breakdown!.Value.Calls();
        PricingMix a = calls[0].Pricing;
        Assert.Equal((1, 1, 1, 1), (a.Calls(PricingBasis.Table), a.Calls(PricingBasis.TableLongContext), a.Calls(ServiceTier.Priority), a.Calls(ServiceTier.Standard)));
        Assert.Equal(PricingMix.Of(PricingBasis.Table, ServiceTier.Flex, 1), calls[1].Pricing);
    }

    [Fact]
    public void Restore_ModelsPricedMixedAndAlike_KeepTheirCounts()
    {
        static CallPrice Price(PricingBasis basis, ServiceTier tier) => new(0.01m, basis, tier, CallPriceNotes.None);
        SpanFacts[] spans = [Llm(1, "a", spanId: 10), Llm(1, "a", spanId: 11), Llm(1, "b", spanId: 12), Llm(1, "b", spanId: 13), Root(1, Outcome.Success)];
        CallPrice[] prices =
        [
            Price(PricingBasis.Explicit, ServiceTier.Batch), Price(PricingBasis.Table, ServiceTier.Batch),
            Price(PricingBasis.ProviderReported, ServiceTier.Priority), Price(PricingBasis.ProviderReported, ServiceTier.Priority), default,
        ];
        RecordingAssembler live = Assembler(), saved = Assembler();
        live.Add(spans, prices);
        saved.Add(spans, prices);
        RecordingAssembler restarted = Assembler();

        restarted.Restore(saved.Snapshot());
        AdvanceAndSweep(live, Settle);
        AdvanceAndSweep(restarted, Settle);

        Assert.Equal(2, Decisions.Finished.Count);
        CallShare[] before = Decisions.Finished[0].Breakdown!.Value.Calls(), after = Decisions.Finished[1].Breakdown!.Value.Calls();
        Assert.Equal((1, 1, 2), (before[0].Pricing.Calls(PricingBasis.Explicit), before[0].Pricing.Calls(PricingBasis.Table), before[0].Pricing.Calls(ServiceTier.Batch)));
        Assert.Equal(PricingMix.Of(PricingBasis.ProviderReported, ServiceTier.Priority, 2), before[1].Pricing);
        Assert.Equal(before, after);
    }

    [Fact]
    public void Restore_SavedTaskDueBeforeALiveOne_FinishesFirst()
    {
        RecordingAssembler saved = Assembler();
        Add(saved, Root(1, Outcome.Success));
        TaskStateSnapshot snapshot = saved.Snapshot();
        Clock.AdvanceSeconds(3);
        RecordingAssembler restarted = Assembler();
        Add(restarted, Root(2, Outcome.Success));

        restarted.Restore(snapshot);
        AdvanceAndSweep(restarted, Settle - 3 + 0.5);

        Assert.Equal([Trace(1)], Decisions.Finished.Select(t => t.TraceId));
        Assert.Equal(1, restarted.PendingCount);
    }

    [Fact]
    public void Restore_SavedTasks_SettleInOrderOfLastActivityNotFirstSpan()
    {
        RecordingAssembler saved = Assembler();
        Add(saved, Root(1, Outcome.Success));
        Clock.AdvanceSeconds(1);
        Add(saved, Root(2, Outcome.Success));
        Clock.AdvanceSeconds(3);
        Add(saved, Child(1)); // task 1 was first seen first but active last
        TaskStateSnapshot snapshot = saved.Snapshot();

        RecordingAssembler restarted = Assembler();
        restarted.Restore(snapshot);
        AdvanceAndSweep(restarted, Settle - 3);

        Assert.Equal([Trace(2)], Decisions.Finished.Select(t => t.TraceId));
        AdvanceAndSweep(restarted, 3);
        Assert.Equal([Trace(2), Trace(1)], Decisions.Finished.Select(t => t.TraceId));
    }

    [Fact]
    public void Restore_WallClockSteppedBackWhileDown_TasksKeepTheAgeTheyHadWhenSaved()
    {
        RecordingAssembler saved = Assembler();
        Add(saved, Root(1));
        AdvanceAndSweep(saved, 100);
        TaskStateSnapshot snapshot = saved.Snapshot();

        Clock.StepWall(TimeSpan.FromHours(-1)); // the restarted process reads an earlier wall clock than the save
        RecordingAssembler restarted = Assembler();
        restarted.Restore(snapshot);
        AdvanceAndSweep(restarted, Window - 100 - 0.001);
        Assert.Empty(Decisions.Finished);
        AdvanceAndSweep(restarted, 0.001);
        Assert.Equal(Trace(1), Assert.Single(Decisions.Finished).TraceId);
    }

    [Fact]
    public void Restore_TimeDown_CountsTowardsTheDeadlines()
    {
        RecordingAssembler saved = Assembler();
        Add(saved, Root(1));
        saved.ApplyOutcome(Trace(2), Outcome.Success);
        TaskStateSnapshot snapshot = saved.Snapshot();

        Clock.AdvanceSeconds(300); // down for five minutes
        RecordingAssembler restarted = Assembler();
        restarted.Restore(snapshot);
        AdvanceAndSweep(restarted, Window - 300 - 0.001);
        Assert.Empty(Decisions.Finished);
        Assert.Equal(0, Decisions.DroppedOutcomes);
        AdvanceAndSweep(restarted, 0.001);
        Assert.Single(Decisions.Finished);
        Assert.Equal(1, Decisions.DroppedOutcomes);
    }

    [Theory]
    // A version 1 file ranked a child's service name 18 and a root's 2.
    [InlineData(18, "root-service")]
    [InlineData(2, "saved")]
    public void Restore_Version1File_UseCaseRanksMeanWhatTheyMeant(int savedRank, string expected)
    {
        RecordingAssembler assembler = Assembler();
        var saved = new PendingTaskState(Trace(1).ToString(), 0, 0, "saved", savedRank, null, false, null, false,
            Outcome.Unknown, OutcomeSource.None, 0, false, 0.01m, null, 1, 0, 100, 10, [new ModelShareState("gpt-4o", 0.01m, 1)]);
        assembler.Restore(new TaskStateSnapshot(1, [saved], []));

        Add(assembler, (Root(1, Outcome.Success, useCase: "root-service", useCaseRank: 2), 0m), (Tool(1, "web_search"), 0.02m));
        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(Decisions.Finished);
        Assert.Equal(expected, task.Labels.UseCase);
        Assert.Equal(0.03m, task.CostUsd);
        Assert.Equal(expected, Assert.Single(Decisions.Calls).UseCase); // the saved call was counted by version 1; the tool now
    }
}
