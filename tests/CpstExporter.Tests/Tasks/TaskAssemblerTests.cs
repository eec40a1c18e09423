using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Tests.Tasks;

public class TaskAssemblerTests
{
    private const int Settle = 5;
    private const int Window = 900;

    // Some tests below step the wall clock alone; the others only advance it.
    private readonly WallSteppingTimeProvider _clock = new();
    private readonly TaskDecisionLog _sink = new();

    private RecordingAssembler Assembler(int maxPending = 1000) =>
        new(new TaskOptions { SettleSeconds = Settle, OutcomeWindowSeconds = Window, MaxPending = maxPending }, _sink, _clock);

    private static TraceId Trace(int n) => new(0x0a0b0c0d, (ulong)n);

    private static ulong _nextSpanId = 1_000_000;

    /// <summary>Every span a fresh id, as instrumentation gives them; a root's id is fixed by its trace so children can name it.</summary>
    private static ulong NextSpanId() => Interlocked.Increment(ref _nextSpanId);

    private static ulong RootSpanId(int trace) => 0x100 + (ulong)trace;

    /// <summary>Rank 0: an explicit <c>cpst.use_case</c>; 1: <c>gen_ai.agent.name</c>; 2: the resource's <c>service.name</c>.</summary>
    private static SpanFacts WithUseCase(SpanFacts span, string? useCase, int useCaseRank)
    {
        switch (useCaseRank)
        {
            case 0: span.UseCase = useCase; break;
            case 1: span.AgentName = useCase; break;
            default: span.ServiceName = useCase; break;
        }
        return span;
    }

    private static SpanFacts Root(int trace, Outcome outcome = Outcome.Unknown, string? useCase = "svc", int useCaseRank = 2) =>
        WithUseCase(new SpanFacts { TraceId = Trace(trace), SpanId = RootSpanId(trace), IsRoot = true, Outcome = outcome }, useCase, useCaseRank);

    private static SpanFacts Child(int trace, Outcome outcome = Outcome.Unknown, string? useCase = "svc", int useCaseRank = 2) =>
        WithUseCase(new SpanFacts { TraceId = Trace(trace), SpanId = NextSpanId(), ParentSpanId = RootSpanId(trace), Outcome = outcome }, useCase, useCaseRank);

    private static SpanFacts Llm(int trace, string? model, long input = 100, long output = 10, ulong? parent = null, ulong? spanId = null) => new()
    {
        TraceId = Trace(trace),
        SpanId = spanId ?? NextSpanId(),
        ParentSpanId = parent ?? RootSpanId(trace),
        Role = SpanRole.Llm,
        Model = model,
        Provider = "openai",
        Tokens = new TokenUsage(input, output, 0, 0, 0),
        ServiceName = "svc",
    };

    private static SpanFacts Tool(int trace, string tool) => new()
    {
        TraceId = Trace(trace),
        SpanId = NextSpanId(),
        ParentSpanId = RootSpanId(trace),
        Role = SpanRole.Tool,
        ToolName = tool,
        ServiceName = "svc",
    };

    private static void Add(RecordingAssembler assembler, params (SpanFacts Span, decimal Cost)[] spans) =>
        assembler.Add(spans.Select(s => s.Span).ToArray(), spans.Select(s => Priced.At(s.Cost)).ToArray());

    private static void Add(RecordingAssembler assembler, params SpanFacts[] spans) => Add(assembler, spans.Select(s => (s, 0m)).ToArray());

    private void AdvanceAndSweep(RecordingAssembler assembler, double seconds)
    {
        _clock.AdvanceSeconds(seconds);
        assembler.Sweep();
    }

    // ---------------------------------------------------------------- settling

    [Fact]
    public void Sweep_TaskWithOutcome_FinishesSettleSecondsAfterItsLastSpan()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1, Outcome.Success));
        AdvanceAndSweep(assembler, 3);
        Add(assembler, Child(1)); // a straggler moves the settle deadline

        AdvanceAndSweep(assembler, Settle - 0.001);
        Assert.Empty(_sink.Finished);
        Assert.Equal(1, assembler.PendingCount);

        AdvanceAndSweep(assembler, 0.001);
        TaskRecord task = Assert.Single(_sink.Finished);
        Assert.Equal(Outcome.Success, task.Labels.Outcome);
        Assert.Equal(FinishReason.Settled, task.Reason);
        Assert.Equal(Trace(1), task.TraceId);
        Assert.Equal(_clock.GetUtcNow(), task.FinishedAt);
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
        Assert.Empty(_sink.Finished);
        AdvanceAndSweep(assembler, 1);

        Assert.Equal(Outcome.Failure, Assert.Single(_sink.Finished).Labels.Outcome);
    }

    [Fact]
    public void Sweep_NoOutcome_FinishesUnknownAtTheWindowFromTheFirstSpan()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1));
        AdvanceAndSweep(assembler, 600);
        Add(assembler, Child(1)); // later spans do not extend the window

        AdvanceAndSweep(assembler, Window - 600 - 0.001);
        Assert.Empty(_sink.Finished);

        AdvanceAndSweep(assembler, 0.001);
        TaskRecord task = Assert.Single(_sink.Finished);
        Assert.Equal(Outcome.Unknown, task.Labels.Outcome);
        Assert.Equal(FinishReason.OutcomeWindowElapsed, task.Reason);
    }

    [Fact]
    public void Sweep_NoOutcomeYet_NotFinishedAtSettleTime()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1));

        AdvanceAndSweep(assembler, Settle * 10);

        Assert.Empty(_sink.Finished);
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
        Assert.Empty(_sink.Finished);

        AdvanceAndSweep(assembler, 1);
        TaskRecord task = Assert.Single(_sink.Finished);
        Assert.Equal(Outcome.Success, task.Labels.Outcome);
        Assert.Equal(FinishReason.Settled, task.Reason);
    }

    [Fact]
    public void Sweep_ReturnsHowManyFinished()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1, Outcome.Success), Root(2, Outcome.Failure), Root(3));

        _clock.AdvanceSeconds(Settle);

        Assert.Equal(2, assembler.Sweep());
        Assert.Equal(1, assembler.PendingCount);
    }

    [Fact]
    public void Sweep_OutcomeForALaterTask_SettlesItWhileAnEarlierTaskStillWaits()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1));
        _clock.AdvanceSeconds(1);
        Add(assembler, Root(2));
        _clock.AdvanceSeconds(1);
        assembler.ApplyOutcome(Trace(2), Outcome.Success);

        AdvanceAndSweep(assembler, Settle);
        Assert.Equal([Trace(2)], _sink.Finished.Select(t => t.TraceId));

        AdvanceAndSweep(assembler, Window);
        Assert.Equal([Trace(2), Trace(1)], _sink.Finished.Select(t => t.TraceId));
        Assert.Equal(FinishReason.OutcomeWindowElapsed, _sink.Finished[1].Reason);
    }

    [Fact]
    public void Sweep_ManyTasksSettling_EachFinishesAtItsOwnDeadline()
    {
        RecordingAssembler assembler = Assembler();
        for (int i = 1; i <= 3; i++)
        {
            Add(assembler, Root(i, Outcome.Success));
            _clock.AdvanceSeconds(1);
        }
        Add(assembler, Child(1)); // task 1's straggler puts it last in line

        AdvanceAndSweep(assembler, Settle - 2); // 2 s after task 3, 5 s after task 2
        Assert.Equal([Trace(2)], _sink.Finished.Select(t => t.TraceId));
        AdvanceAndSweep(assembler, 1);
        Assert.Equal([Trace(2), Trace(3)], _sink.Finished.Select(t => t.TraceId));
        AdvanceAndSweep(assembler, 1);
        Assert.Equal([Trace(2), Trace(3), Trace(1)], _sink.Finished.Select(t => t.TraceId));
    }

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

        Assert.Equal(2, _sink.Finished.Count);
        TaskBreakdown expected = _sink.Finished[0].Breakdown!.Value, actual = _sink.Finished[1].Breakdown!.Value;
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

    /// <summary>Calls priced from the table at standard rates, as <see cref="Priced.At"/> prices them.</summary>
    private static PricingMix TablePricing(int calls) => PricingMix.Of(PricingBasis.Table, ServiceTier.Standard, calls);

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
            (PricingBasis.Table, ServiceTier.Flex, true)], _sink.Calls.Select(c => (c.Call.Basis, c.Call.ServiceTier, c.Call.ServiceTierUnpriced)));
        CallShare[] calls = Assert.Single(_sink.Finished).Breakdown!.Value.Calls();
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

        Assert.Equal(2, _sink.Finished.Count);
        CallShare[] before = _sink.Finished[0].Breakdown!.Value.Calls(), after = _sink.Finished[1].Breakdown!.Value.Calls();
        Assert.Equal((1, 1, 2), (before[0].Pricing.Calls(PricingBasis.Explicit), before[0].Pricing.Calls(PricingBasis.Table), before[0].Pricing.Calls(ServiceTier.Batch)));
        Assert.Equal(PricingMix.Of(PricingBasis.ProviderReported, ServiceTier.Priority, 2), before[1].Pricing);
        Assert.Equal(before, after);
    }

    [Fact]
    public void Finish_OneModelAndOneTool_BreakdownInlineWithoutAnArray()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Llm(1, "a", input: 100, output: 10), 0.001m), (Tool(1, "search"), 0.01m), (Tool(1, "search"), 0.01m), (Root(1, Outcome.Success), 0m));

        AdvanceAndSweep(assembler, Settle);

        TaskBreakdown breakdown = Assert.Single(_sink.Finished).Breakdown!.Value;
        Assert.Null(breakdown.AllCalls);
        Assert.Equal([new CallShare(SpanRole.Llm, "a", 1, 100, 10, 0.001m, TablePricing(1)), new CallShare(SpanRole.Tool, "search", 2, 0, 0, 0.02m)], breakdown.Calls());
    }

    [Fact]
    public void Restore_SavedTaskDueBeforeALiveOne_FinishesFirst()
    {
        RecordingAssembler saved = Assembler();
        Add(saved, Root(1, Outcome.Success));
        TaskStateSnapshot snapshot = saved.Snapshot();
        _clock.AdvanceSeconds(3);
        RecordingAssembler restarted = Assembler();
        Add(restarted, Root(2, Outcome.Success));

        restarted.Restore(snapshot);
        AdvanceAndSweep(restarted, Settle - 3 + 0.5);

        Assert.Equal([Trace(1)], _sink.Finished.Select(t => t.TraceId));
        Assert.Equal(1, restarted.PendingCount);
    }

    [Fact]
    public void Restore_SavedTasks_SettleInOrderOfLastActivityNotFirstSpan()
    {
        RecordingAssembler saved = Assembler();
        Add(saved, Root(1, Outcome.Success));
        _clock.AdvanceSeconds(1);
        Add(saved, Root(2, Outcome.Success));
        _clock.AdvanceSeconds(3);
        Add(saved, Child(1)); // task 1 was first seen first but active last
        TaskStateSnapshot snapshot = saved.Snapshot();

        RecordingAssembler restarted = Assembler();
        restarted.Restore(snapshot);
        AdvanceAndSweep(restarted, Settle - 3);

        Assert.Equal([Trace(2)], _sink.Finished.Select(t => t.TraceId));
        AdvanceAndSweep(restarted, 3);
        Assert.Equal([Trace(2), Trace(1)], _sink.Finished.Select(t => t.TraceId));
    }

    // ---------------------------------------------------------------- the wall clock steps

    [Fact]
    public void Sweep_WallClockStepsAnHourForward_FinishesNothingEarly()
    {
        RecordingAssembler assembler = Assembler();
        for (int i = 1; i <= 100; i++) Add(assembler, Root(i)); // waiting for an outcome
        for (int i = 101; i <= 110; i++) Add(assembler, Root(i, Outcome.Success)); // settling
        assembler.ApplyOutcome(Trace(500), Outcome.Success); // held for a trace not seen yet

        _clock.StepWall(TimeSpan.FromHours(1));
        AdvanceAndSweep(assembler, 3);

        Assert.Empty(_sink.Finished);
        Assert.Equal(110, assembler.PendingCount);
        AdvanceAndSweep(assembler, Settle - 3);
        Assert.Equal(10, _sink.Finished.Count); // at their own deadline, not earlier
        AdvanceAndSweep(assembler, Window - Settle - 0.001);
        Assert.Equal(10, _sink.Finished.Count);
        Assert.Equal(0, _sink.DroppedOutcomes);
        AdvanceAndSweep(assembler, 0.001);
        Assert.Equal(110, _sink.Finished.Count);
        Assert.Equal(1, _sink.DroppedOutcomes);
    }

    [Fact]
    public void Sweep_WallClockStepsAnHourBack_DelaysNothing()
    {
        RecordingAssembler assembler = Assembler();
        for (int i = 1; i <= 100; i++) Add(assembler, Root(i));
        Add(assembler, Root(101));
        assembler.ApplyOutcome(Trace(500), Outcome.Success);
        for (int i = 1; i <= 100; i++) Assert.Equal(OutcomeApplied.Applied, assembler.ApplyOutcome(Trace(i), Outcome.Success));

        _clock.StepWall(TimeSpan.FromHours(-1));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(100, _sink.Finished.Count);
        Assert.All(_sink.Finished, t => Assert.Equal(Outcome.Success, t.Labels.Outcome));
        AdvanceAndSweep(assembler, Window - Settle);
        Assert.Equal(Trace(101), _sink.Finished[^1].TraceId); // the one without an outcome, at the window
        Assert.Equal(1, _sink.DroppedOutcomes);
    }

    [Fact]
    public void Finish_FinishedAt_IsTheWallClockAfterAStep()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1, Outcome.Success));

        _clock.StepWall(TimeSpan.FromMinutes(-30));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(_clock.GetUtcNow(), Assert.Single(_sink.Finished).FinishedAt); // exemplar timestamps are wall time
    }

    [Fact]
    public void ApplyOutcome_FinishedTask_RememberedForTheWindowWhateverTheWallClockDoes()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1, Outcome.Success));
        AdvanceAndSweep(assembler, Settle);

        _clock.StepWall(TimeSpan.FromHours(2));
        AdvanceAndSweep(assembler, Window - 1);
        Assert.Equal(OutcomeApplied.Late, assembler.ApplyOutcome(Trace(1), Outcome.Failure));

        _clock.StepWall(TimeSpan.FromHours(-4));
        AdvanceAndSweep(assembler, 1);
        Assert.Equal(OutcomeApplied.Held, assembler.ApplyOutcome(Trace(1), Outcome.Failure)); // forgotten at the window
    }

    [Fact]
    public void Restore_WallClockSteppedBackWhileDown_TasksKeepTheAgeTheyHadWhenSaved()
    {
        RecordingAssembler saved = Assembler();
        Add(saved, Root(1));
        AdvanceAndSweep(saved, 100);
        TaskStateSnapshot snapshot = saved.Snapshot();

        _clock.StepWall(TimeSpan.FromHours(-1)); // the restarted process reads an earlier wall clock than the save
        RecordingAssembler restarted = Assembler();
        restarted.Restore(snapshot);
        AdvanceAndSweep(restarted, Window - 100 - 0.001);
        Assert.Empty(_sink.Finished);
        AdvanceAndSweep(restarted, 0.001);
        Assert.Equal(Trace(1), Assert.Single(_sink.Finished).TraceId);
    }

    [Fact]
    public void Restore_TimeDown_CountsTowardsTheDeadlines()
    {
        RecordingAssembler saved = Assembler();
        Add(saved, Root(1));
        saved.ApplyOutcome(Trace(2), Outcome.Success);
        TaskStateSnapshot snapshot = saved.Snapshot();

        _clock.AdvanceSeconds(300); // down for five minutes
        RecordingAssembler restarted = Assembler();
        restarted.Restore(snapshot);
        AdvanceAndSweep(restarted, Window - 300 - 0.001);
        Assert.Empty(_sink.Finished);
        Assert.Equal(0, _sink.DroppedOutcomes);
        AdvanceAndSweep(restarted, 0.001);
        Assert.Single(_sink.Finished);
        Assert.Equal(1, _sink.DroppedOutcomes);
    }

    // ---------------------------------------------------------------- outcome API

    [Fact]
    public void ApplyOutcome_BeforeAnySpan_IsHeldAndAppliedWhenTheFirstSpanArrives()
    {
        RecordingAssembler assembler = Assembler();

        Assert.Equal(OutcomeApplied.Held, assembler.ApplyOutcome(Trace(1), Outcome.Success));
        AdvanceAndSweep(assembler, 30);
        Add(assembler, Root(1));
        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(_sink.Finished);
        Assert.Equal(Outcome.Success, task.Labels.Outcome);
        Assert.Equal(FinishReason.Settled, task.Reason);
        Assert.Equal(0, _sink.DroppedOutcomes);
    }

    [Fact]
    public void ApplyOutcome_HeldPastTheWindow_IsDroppedAndCounted()
    {
        RecordingAssembler assembler = Assembler();
        assembler.ApplyOutcome(Trace(1), Outcome.Success);

        AdvanceAndSweep(assembler, Window - 1);
        Assert.Equal(0, _sink.DroppedOutcomes);
        AdvanceAndSweep(assembler, 1);
        Assert.Equal(1, _sink.DroppedOutcomes);

        Add(assembler, Root(1));
        AdvanceAndSweep(assembler, Settle);
        Assert.Empty(_sink.Finished); // no outcome any more: it waits for the window
        AdvanceAndSweep(assembler, Window);
        Assert.Equal(Outcome.Unknown, Assert.Single(_sink.Finished).Labels.Outcome);
    }

    [Fact]
    public void ApplyOutcome_HeldOutcomeUsed_IsNotDroppedLater()
    {
        RecordingAssembler assembler = Assembler();
        assembler.ApplyOutcome(Trace(1), Outcome.Failure);
        Add(assembler, Root(1));

        AdvanceAndSweep(assembler, Window * 2);

        Assert.Equal(0, _sink.DroppedOutcomes);
        Assert.Equal(Outcome.Failure, Assert.Single(_sink.Finished).Labels.Outcome);
    }

    [Fact]
    public void ApplyOutcome_HoldingAreaFull_DropsAndCounts()
    {
        RecordingAssembler assembler = Assembler(maxPending: 2);

        assembler.ApplyOutcome(Trace(1), Outcome.Success);
        assembler.ApplyOutcome(Trace(2), Outcome.Success);

        Assert.Equal(OutcomeApplied.Dropped, assembler.ApplyOutcome(Trace(3), Outcome.Success));
        Assert.Equal(1, _sink.DroppedOutcomes);
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

        Assert.Equal(1, _sink.DroppedOutcomes);
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
            _clock.AdvanceSeconds(0.25);
            assembler.ApplyOutcome(Trace(1), Outcome.Failure);
            assembler.Sweep();
        }

        TaskRecord task = Assert.Single(_sink.Finished);
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

        Assert.Equal(1, _sink.LateOutcomes);
        Assert.Equal(Outcome.Success, Assert.Single(_sink.Finished).Labels.Outcome);
        AdvanceAndSweep(assembler, Window * 2);
        Assert.Single(_sink.Finished);
    }

    // ---------------------------------------------------------------- late spans

    [Fact]
    public void Add_SpanAfterItsTaskFinished_IsLateWithTheTasksLabelsAndItsCost()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts root = Root(1, Outcome.Success, useCase: "support", useCaseRank: 0);
        root.Environment = "prod";
        root.Variant = "b";
        Add(assembler, (root, 0m), (Llm(1, "gpt-4o"), 0.01m));
        AdvanceAndSweep(assembler, Settle);
        TaskLabels finishedLabels = Assert.Single(_sink.Finished).Labels;

        Add(assembler, (Llm(1, "gpt-4o-mini", input: 700, output: 30), 0.0025m), (Tool(1, "web_search"), 0.01m));

        Assert.Equal(2, _sink.LateSpans.Count);
        Assert.All(_sink.LateSpans, late => Assert.Equal(finishedLabels, late.Labels));
        Assert.Equal(new LateContribution(0.0025m, 1, 0, 700, 30), _sink.LateSpans[0].Contribution);
        Assert.Equal(new LateContribution(0.01m, 0, 1, 0, 0), _sink.LateSpans[1].Contribution);
        Assert.Equal(["support", "support", "support"], _sink.Calls.Select(c => c.UseCase));
        Assert.Single(_sink.Finished);
        Assert.Equal(0, assembler.PendingCount);
    }

    [Fact]
    public void Add_SpanAfterTheFinishedTaskIsForgotten_StartsANewTask()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1, Outcome.Success));
        AdvanceAndSweep(assembler, Settle);
        AdvanceAndSweep(assembler, Window);

        Add(assembler, Child(1));

        Assert.Empty(_sink.LateSpans);
        Assert.Equal(1, assembler.PendingCount);
    }

    // ---------------------------------------------------------------- capacity

    /// <summary>Tasks finished early at MaxPending, as the sink (and so <c>cpst_evicted_tasks_total</c>) saw them.</summary>
    private int Evicted => _sink.Finished.Count(f => f.Reason == FinishReason.Evicted);

    [Fact]
    public void Add_MaxPendingReached_OldestTaskFinishesEvicted()
    {
        RecordingAssembler assembler = Assembler(maxPending: 2);
        Add(assembler, Root(1));
        _clock.AdvanceSeconds(1);
        Add(assembler, Root(2));
        _clock.AdvanceSeconds(1);
        Add(assembler, Child(1)); // activity does not make a task younger: eviction is by arrival

        Add(assembler, Root(3));

        TaskRecord evicted = Assert.Single(_sink.Finished);
        Assert.Equal(Trace(1), evicted.TraceId);
        Assert.Equal(FinishReason.Evicted, evicted.Reason);
        Assert.Equal(Outcome.Unknown, evicted.Labels.Outcome);
        Assert.Equal(1, Evicted);
        Assert.Equal(2, assembler.PendingCount);

        Add(assembler, Root(4));
        Assert.Equal(Trace(2), _sink.Finished[1].TraceId);
        Assert.Equal(2, Evicted);
    }

    [Fact]
    public void Add_MaxPendingReached_OldestByFirstSpanGoesWhetherOrNotItHasAnOutcome()
    {
        RecordingAssembler assembler = Assembler(maxPending: 2);
        Add(assembler, Root(1));
        _clock.AdvanceSeconds(1);
        Add(assembler, Root(2));
        _clock.AdvanceSeconds(1);
        assembler.ApplyOutcome(Trace(1), Outcome.Success); // task 1 now settles, yet is still the oldest

        Add(assembler, Root(3));

        TaskRecord evicted = Assert.Single(_sink.Finished);
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

        Assert.Equal(0.5m, Assert.Single(_sink.LateSpans).Contribution.CostUsd);
    }

    [Fact]
    public void Sweep_EvictedTask_NotFinishedAgain()
    {
        RecordingAssembler assembler = Assembler(maxPending: 1);
        Add(assembler, Root(1, Outcome.Success));
        Add(assembler, Root(2, Outcome.Success));

        AdvanceAndSweep(assembler, Window * 2);

        Assert.Equal([Trace(1), Trace(2)], _sink.Finished.Select(t => t.TraceId));
    }

    // ---------------------------------------------------------------- outcome precedence

    [Fact]
    public void Finish_RootErrorWithoutOutcome_IsFailure()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts root = Root(1);
        root.StatusError = true;
        Add(assembler, root);

        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(_sink.Finished);
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

        Assert.Equal(Outcome.Unknown, Assert.Single(_sink.Finished).Labels.Outcome);
    }

    [Fact]
    public void Finish_RootErrorWithSuccessOutcome_IsSuccess()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts root = Root(1, Outcome.Success);
        root.StatusError = true;
        Add(assembler, root);

        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(Outcome.Success, Assert.Single(_sink.Finished).Labels.Outcome);
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

        Assert.Equal(Outcome.Success, Assert.Single(_sink.Finished).Labels.Outcome);
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

        Assert.Equal(Outcome.Success, Assert.Single(_sink.Finished).Labels.Outcome);
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

        Assert.Equal(Outcome.Failure, Assert.Single(_sink.Finished).Labels.Outcome);
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
        Assert.Equal(Enumerable.Range(0, 10), _sink.Finished.Select(f => (int)f.TraceId.Low).Order()); // the oldest ten
        // The next request has a share of its own; spans of tasks already pending are never refused.
        Assert.Equal(0, assembler.Add([Child(20), Root(2000)], [Priced.At(0m), Priced.At(0m)]));
        Assert.Equal(11, Evicted);
    }

    // ---------------------------------------------------------------- cost, model, counts

    [Fact]
    public void Finish_PrimaryModel_IsTheModelWithTheLargestCostShare()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m),
            (Llm(1, "gpt-4o-mini"), 0.001m), (Llm(1, "gpt-4o-mini"), 0.001m), (Llm(1, "gpt-4o-mini"), 0.001m),
            (Llm(1, "gpt-4o"), 0.004m),
            (Llm(1, "claude-haiku-4-5"), 0.002m));

        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(_sink.Finished);
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

        TaskRecord task = Assert.Single(_sink.Finished);
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

        Assert.Equal("small", Assert.Single(_sink.Finished).Labels.Model);
    }

    [Fact]
    public void Finish_EqualCostShares_TheModelCalledMostIsPrimary()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m), (Llm(1, "once"), 0m), (Llm(1, "twice"), 0m), (Llm(1, "twice"), 0m));

        AdvanceAndSweep(assembler, Settle);

        Assert.Equal("twice", Assert.Single(_sink.Finished).Labels.Model);
    }

    [Fact]
    public void Finish_NoLlmCalls_ModelIsNone()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m), (Tool(1, "web_search"), 0.01m));

        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(_sink.Finished);
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

        Assert.Equal("unknown", Assert.Single(_sink.Finished).Labels.Model);
    }

    [Fact]
    public void Finish_Counts_SumTheTasksSpans()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m), (Llm(1, "gpt-4o", 1000, 200), 0.0045m), (Llm(1, "gpt-4o", 500, 50), 0.00175m),
            (Tool(1, "web_search"), 0.01m), (Tool(1, "file_search"), 0.0025m), (Child(1), 0m));

        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(_sink.Finished);
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

        TaskRecord task = Assert.Single(_sink.Finished);
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

        Assert.Equal(0.0001m, Assert.Single(_sink.Finished).CostUsd);
    }

    // ---------------------------------------------------------------- labels

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

        Assert.Equal("support", Assert.Single(_sink.Finished).Labels.UseCase);
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

        Assert.Equal(expected, Assert.Single(_sink.Finished).Labels.UseCase);
    }

    [Fact]
    public void Finish_RootAgentName_BeatsRootServiceName()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts root = Root(1, Outcome.Success, useCase: "host", useCaseRank: 2);
        root.AgentName = "weather-agent";
        Add(assembler, root);

        AdvanceAndSweep(assembler, Settle);

        Assert.Equal("weather-agent", Assert.Single(_sink.Finished).Labels.UseCase);
    }

    [Fact]
    public void Finish_NoUseCaseAnywhere_IsUnknown_AndEnvironmentVariantNone()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, Root(1, Outcome.Success, useCase: null));

        AdvanceAndSweep(assembler, Settle);

        TaskLabels labels = Assert.Single(_sink.Finished).Labels;
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

        TaskLabels labels = Assert.Single(_sink.Finished).Labels;
        Assert.Equal("prod", labels.Environment);
        Assert.Equal("b", labels.Variant);
    }

    // ---------------------------------------------------------------- calls counted under the final use case

    [Fact]
    public void Add_CallsBeforeTheRoot_AreHeldAndCountedUnderTheRootsUseCaseWhenItArrives()
    {
        RecordingAssembler assembler = Assembler();

        Add(assembler, (Llm(1, "gpt-4o"), 0.01m), (Tool(1, "web_search"), 0.02m));
        Assert.Empty(_sink.Calls); // the use case is not final until the root arrives

        Add(assembler, (Root(1, useCase: "support", useCaseRank: 0), 0m), (Llm(1, "gpt-4o"), 0.03m));

        Assert.Equal(["support", "support", "support"], _sink.Calls.Select(c => c.UseCase));
        Assert.Equal([0.01m, 0.02m, 0.03m], _sink.Calls.Select(c => c.Call.CostUsd));
        Assert.Empty(_sink.Finished); // spend shows before the task finishes
    }

    [Fact]
    public void Add_RootAloneInALaterRequest_CountsTheHeldCalls()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Llm(1, "gpt-4o"), 0.01m));

        Add(assembler, (Root(1, useCase: "support", useCaseRank: 0), 0m));

        Assert.Equal("support", Assert.Single(_sink.Calls).UseCase);
    }

    [Fact]
    public void Add_WrapperLaterInTheSameRequest_IsNotCountedAndItsInnerCallIs()
    {
        // The root first, then the wrapper before its inner call: all in one request, so nothing was counted yet.
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m), (Llm(1, "outer", spanId: 0xA), 0.02m), (Llm(1, "inner", parent: 0xA, spanId: 0xB), 0.01m));

        Assert.Equal("inner", Assert.Single(_sink.Calls).Call.Model);
        AdvanceAndSweep(assembler, Settle);
        Assert.Equal(0.01m, Assert.Single(_sink.Finished).CostUsd);
    }

    [Fact]
    public void Finish_NoRootEver_CountsHeldCallsUnderTheBestUseCaseSeen()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Llm(1, "gpt-4o"), 0.01m), (Child(1, useCase: "billing", useCaseRank: 0), 0m));

        AdvanceAndSweep(assembler, Window);

        Assert.Equal("billing", Assert.Single(_sink.Calls).UseCase);
        Assert.Equal("billing", Assert.Single(_sink.Finished).Labels.UseCase);
        Assert.Equal(0.01m, _sink.Finished[0].CostUsd);
    }

    [Fact]
    public void Add_OtherTasksInTheSameRequest_EachCountsUnderItsOwnUseCase()
    {
        RecordingAssembler assembler = Assembler();

        Add(assembler, (Llm(1, "gpt-4o"), 0.01m), (Root(1, useCase: "support", useCaseRank: 0), 0m),
            (Root(2, useCase: "billing", useCaseRank: 0), 0m), (Tool(2, "web_search"), 0.01m));

        Assert.Equal(["support", "billing"], _sink.Calls.Select(c => c.UseCase));
    }

    // ---------------------------------------------------------------- once per span id

    [Fact]
    public void Add_SameSpanTwice_CountsItOnceAndTheRepeatAsDuplicate()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts llm = Llm(1, "gpt-4o");
        SpanFacts root = Root(1, Outcome.Success);

        Add(assembler, (llm, 0.01m), (root, 0m));
        Add(assembler, (llm, 0.01m), (root, 0m)); // the SDK retried the whole batch

        Assert.Equal(2, _sink.Duplicates);
        AdvanceAndSweep(assembler, Settle);
        Assert.Equal(0.01m, Assert.Single(_sink.Finished).CostUsd);
        Assert.Equal(1, _sink.Finished[0].LlmCalls);
        Assert.Single(_sink.Calls);
    }

    [Fact]
    public void Add_SameSpanAfterItsTaskFinished_IsADuplicateNotALateSpan()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts llm = Llm(1, "gpt-4o");
        Add(assembler, (llm, 0.01m), (Root(1, Outcome.Success), 0m));
        AdvanceAndSweep(assembler, Settle);

        AdvanceAndSweep(assembler, 299);
        Add(assembler, (llm, 0.01m));

        Assert.Equal(1, _sink.Duplicates);
        Assert.Empty(_sink.LateSpans);
        Assert.Single(_sink.Calls);
    }

    [Fact]
    public void Add_SameSpanInOneRequest_CountsOnce()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts tool = Tool(1, "web_search");

        Add(assembler, (tool, 0.01m), (tool, 0.01m), (Root(1, Outcome.Success), 0m));

        AdvanceAndSweep(assembler, Settle);
        Assert.Equal(1, Assert.Single(_sink.Finished).ToolCalls);
        Assert.Equal(1, _sink.Duplicates);
    }

    [Fact]
    public void Add_TaskEvictedInTheSameRequest_ItsCallIsLateAndTheNewTaskIsNotCharged()
    {
        // At MaxPending a new trace finishes the oldest task while the request still holds one of its calls; the
        // finished task's object is reused only after the request, so the call goes to the finished task.
        RecordingAssembler assembler = Assembler(maxPending: 1);
        Add(assembler, (Root(1, useCase: "first", useCaseRank: 0), 0m));

        Add(assembler, (Llm(1, "gpt-4o"), 0.01m), (Root(2, useCase: "second", useCaseRank: 0), 0m), (Llm(1, "gpt-4o"), 0.02m));
        AdvanceAndSweep(assembler, Window);

        Assert.Equal(["first", "first"], _sink.Calls.Select(c => c.UseCase));
        Assert.Equal(0m, _sink.Finished.Single(t => t.Labels.UseCase == "second").CostUsd);
    }

    [Fact]
    public void Add_ManyTasksThroughTheirLifetimes_ReusedObjectsCarryNothingOver()
    {
        RecordingAssembler assembler = Assembler();
        for (int round = 0; round < 3; round++)
        {
            for (int t = 0; t < 50; t++)
            {
                int trace = round * 1000 + t;
                Add(assembler, (Llm(trace, "gpt-4o", input: 10 + t), 0.001m * (t + 1)), (Root(trace, Outcome.Success, useCase: $"uc{t % 3}", useCaseRank: 0), 0m));
            }
            AdvanceAndSweep(assembler, Settle);
        }

        Assert.Equal(150, _sink.Finished.Count);
        foreach (TaskRecord task in _sink.Finished)
        {
            int t = (int)(task.TraceId.Low % 1000);
            Assert.Equal($"uc{t % 3}", task.Labels.UseCase);
            Assert.Equal(0.001m * (t + 1), task.CostUsd);
            Assert.Equal(10 + t, task.InputTokens);
            Assert.Equal(1, task.LlmCalls);
        }
    }

    // ---------------------------------------------------------------- wrappers

    [Fact]
    public void Add_LlmCallOverAnLlmCall_CountsTheInnerCallOnly()
    {
        // OpenInference with LangChain and OpenAI instrumented: the LangChain LLM span wraps the OpenAI one, same usage.
        RecordingAssembler assembler = Assembler();
        SpanFacts outer = Llm(1, "gpt-4o", input: 1000, output: 200, spanId: 0xA);
        SpanFacts inner = Llm(1, "gpt-4o", input: 1000, output: 200, parent: 0xA, spanId: 0xB);

        Add(assembler, (inner, 0.0045m), (outer, 0.0045m), (Root(1, Outcome.Success), 0m));
        AdvanceAndSweep(assembler, Settle);

        TaskRecord task = Assert.Single(_sink.Finished);
        Assert.Equal(1, task.LlmCalls);
        Assert.Equal(1000, task.InputTokens);
        Assert.Equal(0.0045m, task.CostUsd);
        Assert.Single(_sink.Calls);
    }

    [Fact]
    public void Add_WrapperArrivesBeforeItsInnerCall_IsUncountedWhileHeld()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts outer = Llm(1, "gpt-4o", spanId: 0xA);
        SpanFacts inner = Llm(1, "gpt-4o", parent: 0xA, spanId: 0xB);

        Add(assembler, (outer, 0.01m));
        Add(assembler, (inner, 0.01m), (Root(1, Outcome.Success), 0m));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(1, Assert.Single(_sink.Finished).LlmCalls);
        Assert.Equal(0.01m, _sink.Finished[0].CostUsd);
        Assert.Single(_sink.Calls);
    }

    [Fact]
    public void Add_InnerCallArrivesAfterItsWrapperWasCounted_IsNotCountedAgain()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Root(1, Outcome.Success), 0m), (Llm(1, "gpt-4o", spanId: 0xA), 0.01m)); // counted at once: the root is here
        Add(assembler, (Llm(1, "gpt-4o", parent: 0xA, spanId: 0xB), 0.01m), (Llm(1, "gpt-4o", parent: 0xA, spanId: 0xC), 0.01m));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(1, Assert.Single(_sink.Finished).LlmCalls);
        Assert.Single(_sink.Calls);
    }

    [Fact]
    public void Add_WrapperTwoLevelsUp_ThroughANonCallSpan_IsNotCounted()
    {
        RecordingAssembler assembler = Assembler();
        SpanFacts outer = Llm(1, "gpt-4o", spanId: 0xA);
        SpanFacts middle = Child(1);
        middle.SpanId = 0xB;
        middle.ParentSpanId = 0xA;
        SpanFacts inner = Llm(1, "gpt-4o", parent: 0xB, spanId: 0xC);

        Add(assembler, (inner, 0.01m), (middle, 0m), (outer, 0.01m), (Root(1, Outcome.Success), 0m));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(1, Assert.Single(_sink.Finished).LlmCalls);
    }

    [Fact]
    public void Add_TwoSiblingCallsUnderOneWrapper_BothCount()
    {
        RecordingAssembler assembler = Assembler();
        Add(assembler, (Llm(1, "gpt-4o", parent: 0xA), 0.01m), (Llm(1, "gpt-4o", parent: 0xA), 0.01m),
            (Llm(1, "gpt-4o", spanId: 0xA), 0.02m), (Root(1, Outcome.Success), 0m));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(2, Assert.Single(_sink.Finished).LlmCalls);
        Assert.Equal(0.02m, _sink.Finished[0].CostUsd);
    }

    [Fact]
    public void Add_DeepChainOfNestedCalls_CountsOnlyTheInnermost()
    {
        RecordingAssembler assembler = Assembler();
        const int depth = 10_000;
        // Top-down and bottom-up arrival must both stay linear: each span marks its ancestors once.
        var chain = Enumerable.Range(0, depth)
            .Select(i => (Llm(1, "gpt-4o", spanId: 0x10000 + (ulong)i, parent: i == 0 ? RootSpanId(1) : 0x10000 + (ulong)i - 1), 0.01m))
            .ToArray();
        Add(assembler, chain);
        Add(assembler, (Root(1, Outcome.Success), 0m));
        AdvanceAndSweep(assembler, Settle);

        Assert.Equal(1, Assert.Single(_sink.Finished).LlmCalls);
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

        TaskRecord task = Assert.Single(_sink.Finished);
        Assert.Equal(expected, task.Labels.UseCase);
        Assert.Equal(0.03m, task.CostUsd);
        Assert.Equal(expected, Assert.Single(_sink.Calls).UseCase); // the saved call was counted by version 1; the tool now
    }

    [Fact]
    public void PendingCount_CountsTracesNotSpans()
    {
        RecordingAssembler assembler = Assembler();

        Add(assembler, Root(1), Child(1), Child(1), Root(2));

        Assert.Equal(2, assembler.PendingCount);
    }
}
