using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Tasks.State;

/// <summary>
/// A state file of every version the exporter ever wrote loads and finishes the same task: the same labels, cost, calls
/// and tokens to the last digit. Each file is written in its version's own shape (docs/design.md, "The state file").
/// </summary>
public sealed class TaskStateVersionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-versions-").FullName;
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StatePath => Path.Combine(_dir, "state.json");

    private const string Trace = "0a0b0c0d000000000000000000000001";

    /// <summary>
    /// One pending task as each version wrote it: its root (span 256) came with the use case and a success, one LLM call
    /// (span 257, gpt-4o, 1,200 + 300 tokens, $0.006) and one tool call (span 258, $0.01) were counted. Version 1 kept no
    /// span ids and ranked a root's explicit use case 0; version 2 added the span ids and whether the use case is final;
    /// version 3 the time of the save and the journal segment; version 4 held calls grouped (none here); version 5 the
    /// outcome API's verdict apart from the spans' (<paramref name="api"/>: its fields, none here by default) and evaluations;
    /// version 6 the day held calls ended (none held here) and the sections of later stages.
    /// </summary>
    private string File(int version, string api = "\"ApiOutcome\":\"Unknown\",\"ApiSource\":null,\"ApiReason\":null,\"Evaluations\":null",
        string outcome = "\"Outcome\":\"Success\",\"OutcomeSource\":\"Root\"")
    {
        long now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        string task = $$"""
            "TraceId":"{{Trace}}","FirstSeenMs":{{now}},"LastActivityMs":{{now}},"UseCase":"support","UseCaseRank":0,
            "Environment":"prod","EnvironmentFromRoot":true,"Variant":null,"VariantFromRoot":false,
            {{outcome}},"OutcomeSpanEnd":0,"RootError":false,"SpanCostUsd":0.016,"TaskCostUsd":null,
            "LlmCalls":1,"ToolCalls":1,"InputTokens":1200,"OutputTokens":300,"Models":[{"Model":"gpt-4o","CostUsd":0.006,"Calls":1}]
            """;
        const string spans = """
            ,"UseCaseFinal":true,"CallsCounted":true,
            "Spans":[{"Id":256,"Parent":0,"Marks":1},{"Id":257,"Parent":256,"Marks":7},{"Id":258,"Parent":256,"Marks":5}],"HeldCalls":null
            """;
        return version switch
        {
            1 => $$"""{"Version":1,"Tasks":[{{{task}}}],"HeldOutcomes":[]}""",
            2 => $$"""{"Version":2,"Tasks":[{{{task}}{{spans}}}],"HeldOutcomes":[]}""",
            3 => $$"""{"Version":3,"SavedAtMs":{{now}},"JournalSegment":1,"HeldOutcomes":[],"Tasks":[{{{task}}{{spans}}}]}""",
            4 => $$"""{"Version":4,"SavedAtMs":{{now}},"JournalSegment":1,"HeldOutcomes":[],"Tasks":[{{{task}}{{spans}},"HeldSpans":null}]}""",
            5 => $$"""{"Version":5,"SavedAtMs":{{now}},"JournalSegment":1,"HeldOutcomes":[],"Tasks":[{{{task}}{{spans}},"HeldSpans":null,{{api}}}]}""",
            _ => $$$"""{"Version":6,"SavedAtMs":{{{now}}},"JournalSegment":1,"HeldOutcomes":[],"Tasks":[{{{{task}}}{{{spans}}},"HeldSpans":null,{{{api}}}}],"Sections":{}}""",
        };
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Load_EveryVersion_FinishesTheSameTask(int version)
    {
        Assert.InRange(version, TaskStateSnapshot.OldestReadableVersion, TaskStateSnapshot.CurrentVersion);
        var (assembler, log) = Load(File(version));

        Assert.True(System.IO.File.Exists(StatePath), $"the version {version} file was moved aside");
        Assert.Equal(1, assembler.PendingCount);
        _clock.Advance(TimeSpan.FromSeconds(5));
        assembler.Sweep();

        TaskRecord task = Assert.Single(log.Finished);
        Assert.Equal(new TaskLabels("support", Outcome.Success, "gpt-4o", "prod", "none"), task.Labels);
        Assert.Equal((0.016m, 1, 1, 1200L, 300L), (task.CostUsd, task.LlmCalls, task.ToolCalls, task.InputTokens, task.OutputTokens));
        Assert.Empty(log.Calls); // counted before the save
    }

    /// <summary>From version 2 the span ids come back: a span resent after the restart is a duplicate, not a second call.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Load_VersionsWithSpanIds_ResentSpanIsADuplicate(int version)
    {
        var (assembler, log) = Load(File(version));

        assembler.Add([new SpanFacts { TraceId = new TraceId(0x0a0b0c0d00000000, 1), SpanId = 257, ParentSpanId = 256, Role = SpanRole.Llm, Model = "gpt-4o",
            Provider = "openai", Tokens = new TokenUsage(1200, 300, 0, 0, 0) }], [new CallPrice(0.006m, PricingBasis.Table, ServiceTier.Standard, CallPriceNotes.None)]);

        Assert.Equal(1, log.Duplicates);
        Assert.Empty(log.Calls);
    }

    /// <summary>Before version 5 the outcome API's verdict was the task's outcome with source Api: it comes back as the API's verdict, from <c>api</c>.</summary>
    [Fact]
    public void Load_Version4ApiOutcome_IsTheApiVerdictFromSourceApi()
    {
        var (assembler, log) = Load(File(4, outcome: "\"Outcome\":\"Failure\",\"OutcomeSource\":\"Api\""));
        _clock.Advance(TimeSpan.FromSeconds(5));
        assembler.Sweep();

        TaskRecord task = Assert.Single(log.Finished);
        Assert.Equal((Outcome.Failure, OutcomeSource.Api), (task.Labels.Outcome, task.DecidedBy));
        Assert.Equal(new ApiVerdict(Outcome.Failure, ApiVerdict.DefaultSource, null), task.Api);
    }

    /// <summary>Version 5 keeps the API's verdict apart from the root's, with who gave it and why, and the evaluations.</summary>
    [Fact]
    public void Load_Version5_KeepsTheApiVerdictWithSourceAndReason_AndEvaluations()
    {
        var (assembler, log) = Load(File(5,
            "\"ApiOutcome\":\"Failure\",\"ApiSource\":\"human\",\"ApiReason\":\"wrong refund\",\"Evaluations\":[{\"Name\":\"judge\",\"LabelPasses\":false,\"Score\":0.4}]"));
        _clock.Advance(TimeSpan.FromSeconds(5));
        assembler.Sweep();

        TaskRecord task = Assert.Single(log.Finished);
        Assert.Equal((Outcome.Failure, OutcomeSource.Api), (task.Labels.Outcome, task.DecidedBy)); // the API's beats the root's success
        Assert.Equal(new ApiVerdict(Outcome.Failure, "human", "wrong refund"), task.Api);
        Assert.Equal([new EvaluationOutcome("judge", false, 0.4)], task.Evaluations!);
    }

    /// <summary>
    /// A task waiting for its root holds a call: version 6 keeps the day its span ended, which the ledger of traced cost
    /// files it under once counted; version 5 did not, and such a call is counted with no day (the ledger takes today).
    /// </summary>
    [Theory]
    [InlineData(5, null)]
    [InlineData(6, "2026-10-31")]
    public void Load_HeldCall_IsCountedWithTheDayItsSpanEnded(int version, string? day)
    {
        long now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        string endDay = day is null ? "" : $",\"EndDay\":\"{day}\"";
        string file = $$"""
            {"Version":{{version}},"SavedAtMs":{{now}},"JournalSegment":1,"HeldOutcomes":[],"Tasks":[{"TraceId":"{{Trace}}","FirstSeenMs":{{now}},"LastActivityMs":{{now}},
             "UseCase":"svc","UseCaseRank":5,"Outcome":"Unknown","OutcomeSource":"None","SpanCostUsd":0.006,"LlmCalls":0,"ToolCalls":0,"Models":[],
             "UseCaseFinal":false,"CallsCounted":false,"Spans":[{"Id":257,"Parent":256,"Marks":7}],
             "HeldCalls":[{"Role":"Llm","Provider":"openai","Model":"gpt-4o","Tool":null,"InputTokens":1200,"OutputTokens":300,"CacheReadTokens":0,
               "CacheWriteTokens":0,"ReasoningTokens":0,"CostUsd":0.006,"Unpriced":false{{endDay}}}],"HeldSpans":[{"Id":257,"Group":0}]}]}
            """;
        var (assembler, log) = Load(file);

        assembler.Add([new SpanFacts { TraceId = new TraceId(0x0a0b0c0d00000000, 1), SpanId = 256, IsRoot = true, UseCase = "support" }], [default]);

        var (useCase, call) = Assert.Single(log.Calls);
        Assert.Equal(("support", 0.006m), (useCase, call.CostUsd));
        Assert.Equal(day is null ? default : DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture), call.EndDay);
    }

    private (RecordingAssembler Assembler, TaskDecisionLog Log) Load(string file)
    {
        System.IO.File.WriteAllText(StatePath, file);
        var options = new TaskOptions { SettleSeconds = 5, MaxPending = 1000, StateFile = StatePath };
        var log = new TaskDecisionLog();
        var assembler = new RecordingAssembler(options, log, _clock);
        new TaskStateFile(options, assembler.Assembler, new IdleLifetime(), _clock, NullLogger<TaskStateFile>.Instance).Load(StatePath);
        return (assembler, log);
    }
}
