using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Tasks;

/// <summary>The outcome policy per use case, error.type, the outcome API's source and reason, and evaluations, through <see cref="TaskAssembler"/>.</summary>
public sealed class OutcomePolicyTests
{
    private const int Settle = 5, Window = 900;
    private static readonly TraceId Trace = new(0x0a0b, 1);
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    private TaskAssembler Assembler(OutcomePolicy? policy = null) =>
        new(new TaskOptions { SettleSeconds = Settle, OutcomeWindowSeconds = Window, RecentTasks = 10 }, _clock,
            new OutcomePolicies(policy is null ? null : new Dictionary<string, OutcomePolicy> { ["svc"] = policy }));

    private static OutcomePolicy Policy(OutcomeCombine combine, double? threshold, params string[] signals) =>
        new(signals.Select(s => OutcomeSignal.TryParse(s, out OutcomeSignal signal) ? signal : throw new ArgumentException(s)).ToList(), combine, threshold);

    private static void Root(TaskAssembler tasks, Outcome outcome = Outcome.Unknown, bool errorType = false)
    {
        SpanFacts[] spans = [new SpanFacts { TraceId = Trace, SpanId = 1, IsRoot = true, ServiceName = "svc", Outcome = outcome, ErrorType = errorType }];
        tasks.Add(spans, new CallPrice[1], new TaskDecisions());
    }

    private static void Evaluate(TaskAssembler tasks, string name, string? label, double? score = null, TaskDecisions? decisions = null) =>
        tasks.ApplyEvaluations([new EvaluationResult(Trace, name, label, score, null)], decisions ?? new TaskDecisions());

    private TaskRecord? After(TaskAssembler tasks, int seconds)
    {
        _clock.Advance(TimeSpan.FromSeconds(seconds));
        var decisions = new TaskDecisions();
        tasks.Sweep(decisions);
        return decisions.Finished.Count == 0 ? null : Assert.Single(decisions.Finished);
    }

    [Fact]
    public void ErrorType_OnTheRoot_FailsTheTask_SourceError()
    {
        TaskAssembler tasks = Assembler();
        Root(tasks, errorType: true);

        TaskRecord task = After(tasks, Settle)!.Value;

        Assert.Equal((Outcome.Failure, OutcomeSource.Error), (task.Labels.Outcome, task.DecidedBy));
    }

    [Fact]
    public void Default_ApiVerdictBeatsTheSpan_KeepsSourceAndReason()
    {
        TaskAssembler tasks = Assembler();
        Root(tasks, Outcome.Success);
        tasks.ApplyOutcome(Trace, Outcome.Failure, "human", "wrong refund amount");

        TaskRecord task = After(tasks, Settle)!.Value;

        Assert.Equal((Outcome.Failure, OutcomeSource.Api), (task.Labels.Outcome, task.DecidedBy));
        Assert.Equal(new ApiVerdict(Outcome.Failure, "human", "wrong refund amount"), task.Api);
    }

    [Fact]
    public void Authority_TheHighestListedSignalDecides_EvenWhenItCameFirst()
    {
        TaskAssembler tasks = Assembler(Policy(OutcomeCombine.Authority, null, "evaluation:tests", "api:human"));
        Root(tasks, Outcome.Failure);
        Evaluate(tasks, "tests", "passed");
        tasks.ApplyOutcome(Trace, Outcome.Failure, "human", null);

        TaskRecord task = After(tasks, Settle)!.Value;

        Assert.Equal((Outcome.Success, OutcomeSource.Evaluation), (task.Labels.Outcome, task.DecidedBy));
    }

    [Fact]
    public void Authority_AnUnlistedSignal_NeitherDecidesNorSettles()
    {
        TaskAssembler tasks = Assembler(Policy(OutcomeCombine.Authority, null, "api:human"));
        Root(tasks, Outcome.Success);
        tasks.ApplyOutcome(Trace, Outcome.Success, "system", null);

        Assert.Null(After(tasks, Settle));
        TaskRecord task = After(tasks, Window)!.Value;

        Assert.Equal((Outcome.Unknown, OutcomeSource.None), (task.Labels.Outcome, task.DecidedBy));
    }

    [Fact]
    public void All_WaitsForEverySignal_ThenSucceeds()
    {
        TaskAssembler tasks = Assembler(Policy(OutcomeCombine.All, null, "evaluation:tests", "api:human"));
        Root(tasks, Outcome.Success);
        Evaluate(tasks, "tests", "pass");
        Assert.Null(After(tasks, Settle + 1)); // the human has not said yet

        tasks.ApplyOutcome(Trace, Outcome.Success, "human", null);
        TaskRecord task = After(tasks, Settle)!.Value;

        Assert.Equal(Outcome.Success, task.Labels.Outcome);
        Assert.Equal([new EvaluationOutcome("tests", true, null)], task.Evaluations!);
    }

    [Fact]
    public void All_AFailureFailsAtOnce()
    {
        TaskAssembler tasks = Assembler(Policy(OutcomeCombine.All, null, "evaluation:tests", "api:human"));
        Root(tasks);
        Evaluate(tasks, "tests", "failed");

        TaskRecord task = After(tasks, Settle)!.Value;

        Assert.Equal((Outcome.Failure, OutcomeSource.Evaluation), (task.Labels.Outcome, task.DecidedBy));
    }

    [Theory]
    [InlineData("bad", 0.9, 0.8, true)]
    [InlineData("bad", 0.7, 0.8, false)]
    [InlineData(null, 0.9, null, false)]
    [InlineData("PASSED", null, null, true)]
    public void Evaluation_PassesOnASuccessLabelOrAScoreAtTheThreshold(string? label, double? score, double? threshold, bool passes)
    {
        TaskAssembler tasks = Assembler(Policy(OutcomeCombine.First, threshold, "evaluation"));
        Root(tasks);
        Evaluate(tasks, "judge", label, score);

        TaskRecord task = After(tasks, Settle)!.Value;

        Assert.Equal(passes ? Outcome.Success : Outcome.Failure, task.Labels.Outcome);
        Assert.Equal(passes, Assert.Single(task.Evaluations!).Passed);
    }

    [Fact]
    public void Evaluation_ForATraceNotSeenYet_IsHeldUntilItsFirstSpan()
    {
        TaskAssembler tasks = Assembler();
        Evaluate(tasks, "judge", "pass");
        Root(tasks);

        TaskRecord task = After(tasks, Settle)!.Value;

        Assert.Equal((Outcome.Success, OutcomeSource.Evaluation), (task.Labels.Outcome, task.DecidedBy));
    }

    [Fact]
    public void Evaluation_AfterTheTaskFinished_IsLate_AndManyForOneTaskAreBounded()
    {
        TaskAssembler tasks = Assembler();
        Root(tasks);
        var decisions = new TaskDecisions();
        for (int i = 0; i < 10_000; i++) Evaluate(tasks, $"e{i}", "pass", decisions: decisions);
        Assert.Equal(10_000 - OutcomePolicy.MaxEvaluationsPerTask, decisions.DroppedOutcomes);

        Assert.Equal(OutcomePolicy.MaxEvaluationsPerTask, After(tasks, Settle)!.Value.Evaluations!.Length);
        var late = new TaskDecisions();
        Evaluate(tasks, "judge", "pass", decisions: late);
        Assert.Equal(1, late.LateOutcomes);
    }

    [Theory]
    [InlineData("span", true)]
    [InlineData("api:human", true)]
    [InlineData("evaluation:unit-tests", true)]
    [InlineData("evaluation", true)]
    [InlineData("vibes", false)]
    [InlineData("api:", false)]
    [InlineData("span:x", false)]
    public void Signal_Parse(string text, bool valid) => Assert.Equal(valid, OutcomeSignal.TryParse(text, out _));

    /// <summary>
    /// What scheduling asks on every span, <see cref="OutcomePolicy.IsDecided"/>, answers as the full decision does, for the
    /// default (read without weighing the signals) and for listed policies, whatever signals arrived.
    /// </summary>
    [Fact]
    public void IsDecided_EveryMixOfSignals_AgreesWithDecide()
    {
        OutcomePolicy[] policies =
        [
            OutcomePolicy.Default,
            new([new(OutcomeSource.Api, "human"), new(OutcomeSource.Span, null)], OutcomeCombine.Authority, null),
            new([new(OutcomeSource.Evaluation, null), new(OutcomeSource.Error, null)], OutcomeCombine.All, 0.5),
            new([new(OutcomeSource.Span, null)], OutcomeCombine.First, null),
        ];
        int checkedMixes = 0;
        foreach (Outcome spanOutcome in Enum.GetValues<Outcome>())
        foreach (bool rootError in new[] { false, true })
        foreach (ApiVerdict? api in new ApiVerdict?[] { null, new(Outcome.Success, "human", null), new(Outcome.Failure, "api", null) })
        foreach (EvaluationVerdict? evaluation in new EvaluationVerdict?[] { null, new("tests", true, null), new("judge", false, 0.2) })
        {
            var task = new PendingTask(Trace, 0)
            {
                Outcome = spanOutcome, OutcomeSource = spanOutcome == Outcome.Unknown ? OutcomeSource.None : OutcomeSource.Span,
                RootError = rootError, Api = api,
            };
            if (evaluation is EvaluationVerdict verdict) task.AddEvaluation(in verdict);
            foreach (OutcomePolicy policy in policies)
            {
                Assert.Equal(policy.Decide(task).Decided, policy.IsDecided(task));
                checkedMixes++;
            }
        }
        Assert.Equal(3 * 2 * 3 * 3 * 4, checkedMixes);
    }
}
