using System.Text;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Tasks;

/// <summary>
/// Calls that arrive before their root are held folded (<see cref="HeldCalls"/>) and counted when it comes: the
/// totals, per-call metrics and finished task are those of counting each call, through wrappers, the bounds and a
/// restart.
/// </summary>
public sealed class SpanIngestHeldCallsTests : IDisposable
{
    private const int Settle = 5;
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-held-").FullName;
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StatePath => Path.Combine(_dir, "state.json");

    private RecordingAssembler Assembler(TaskDecisionLog sink) =>
        new(new TaskOptions { SettleSeconds = Settle, MaxPending = 1000, StateFile = StatePath }, sink, _clock);

    private TaskStateFile StateFile(RecordingAssembler assembler, TaskDecisionLog sink) =>
        new(new TaskOptions { SettleSeconds = Settle, MaxPending = 1000, StateFile = StatePath }, assembler.Assembler, new IdleLifetime(), _clock,
            NullLogger<TaskStateFile>.Instance);

    private static readonly TraceId Trace = new(0x0a0b0c0d, 1);
    private const ulong RootId = 0x100;

    private static SpanFacts Root() => new()
    {
        TraceId = Trace, SpanId = RootId, IsRoot = true, UseCase = "support", Outcome = Outcome.Success, ServiceName = "svc",
    };

    private static SpanFacts Llm(ulong id, string model, long input, long output = 0, ulong parent = RootId) => new()
    {
        TraceId = Trace, SpanId = id, ParentSpanId = parent, Role = SpanRole.Llm, Model = model, Provider = "openai",
        Tokens = new TokenUsage(input, output, 0, 0, 0), ServiceName = "svc",
    };

    private static SpanFacts Tool(ulong id, string tool) => new()
    {
        TraceId = Trace, SpanId = id, ParentSpanId = RootId, Role = SpanRole.Tool, ToolName = tool, ServiceName = "svc",
    };

    private static void Add(RecordingAssembler assembler, IEnumerable<(SpanFacts Span, CallPrice Price)> spans)
    {
        var list = spans.ToList();
        assembler.Add(list.Select(s => s.Span).ToArray(), list.Select(s => s.Price).ToArray());
    }

    /// <summary>
    /// Many calls of seven kinds: two tools, and LLM calls of two models, three sizes and two ways of pricing (a call held
    /// with its span id joins only calls alike in every field).
    /// </summary>
    private static List<(SpanFacts Span, CallPrice Price)> ManyCalls(int count)
    {
        var random = new Random(21);
        var calls = new List<(SpanFacts, CallPrice)>(count);
        for (int i = 0; i < count; i++)
        {
            ulong id = 0x1000 + (ulong)i;
            switch (random.Next(6))
            {
                case 0: calls.Add((Tool(id, i % 2 == 0 ? "search" : "fetch"), Priced.At(0.001m))); break;
                case 1:
                    int input = random.Next(1, 4);
                    calls.Add((Llm(id, "gpt-4o-mini", input), Priced.At(input * 0.00000015m)));
                    break;
                case 2: calls.Add((Llm(id, "gpt-4o", 1), new CallPrice(0.0000025m, PricingBasis.ProviderReported, ServiceTier.Batch, CallPriceNotes.None))); break;
                default: calls.Add((Llm(id, "gpt-4o", 1), Priced.At(0.0000025m))); break;
            }
        }
        return calls;
    }

    /// <summary>What the per-call metrics were given, per kind of call: calls, tokens and cost.</summary>
    private static string PerCall(TaskDecisionLog sink)
    {
        var totals = new SortedDictionary<string, (long Calls, TokenUsage Tokens, decimal Cost)>(StringComparer.Ordinal);
        for (int i = 0; i < sink.Calls.Count; i++)
        {
            var (useCase, call) = sink.Calls[i];
            string key = $"{useCase}/{call.Role}/{call.Model}/{call.Tool}/{call.Basis}/{call.ServiceTier}/{call.Unpriced}";
            totals.TryGetValue(key, out var sum);
            totals[key] = (sum.Calls + sink.CallCounts[i], sum.Tokens.Plus(call.Tokens), sum.Cost + call.CostUsd);
        }
        return string.Join('\n', totals.Select(t => $"{t.Key}: {t.Value.Calls} calls, {t.Value.Tokens}, {t.Value.Cost} USD"));
    }

    private static string Finished(TaskDecisionLog sink)
    {
        TaskRecord task = Assert.Single(sink.Finished);
        return $"{task.Labels} {task.CostUsd} {task.LlmCalls} {task.ToolCalls} {task.InputTokens} {task.OutputTokens}";
    }

    private (string PerCall, string Finished) RootFirst(List<(SpanFacts, CallPrice)> calls)
    {
        var sink = new TaskDecisionLog();
        RecordingAssembler assembler = Assembler(sink);
        Add(assembler, [(Root(), default)]);
        foreach (var chunk in calls.Chunk(100)) Add(assembler, chunk);
        _clock.Advance(TimeSpan.FromSeconds(Settle));
        assembler.Sweep();
        return (PerCall(sink), Finished(sink));
    }

    [Fact]
    public void Add_ManyCallsBeforeTheRoot_CountAsEachCallCountedAfterIt()
    {
        List<(SpanFacts, CallPrice)> calls = ManyCalls(20_000);
        var (expectedPerCall, expectedFinished) = RootFirst(calls);

        var sink = new TaskDecisionLog();
        RecordingAssembler assembler = Assembler(sink);
        foreach (var chunk in calls.Chunk(100)) Add(assembler, chunk);
        Assert.Empty(sink.Calls);
        Add(assembler, [(Root(), default)]);

        Assert.True(sink.Calls.Count <= 7, $"{sink.Calls.Count} entries for 7 kinds of calls");
        Assert.Equal(expectedPerCall, PerCall(sink));
        _clock.Advance(TimeSpan.FromSeconds(Settle));
        assembler.Sweep();
        Assert.Equal(expectedFinished, Finished(sink));
        Assert.Equal(0, sink.EarlyCountedCalls);
    }

    [Fact]
    public void Add_WrapperArrivesAfterItsHeldInnerCalls_TakesItsOwnCallBackThroughTheSpanId()
    {
        var sink = new TaskDecisionLog();
        RecordingAssembler assembler = Assembler(sink);
        // The framework's wrapper span (0xA) repeats the usage of the calls below it: it arrives after them, before the root.
        Add(assembler, [(Llm(0xB, "gpt-4o", 100), Priced.At(0.25m)), (Llm(0xC, "gpt-4o", 100), Priced.At(0.25m))]);
        Add(assembler, [(Llm(0xB1, "gpt-4o", 100, parent: 0xB), Priced.At(0.25m)), (Llm(0xC1, "gpt-4o", 100, parent: 0xC), Priced.At(0.25m))]);
        Add(assembler, [(Llm(0xD, "gpt-4o", 100), Priced.At(0.25m))]);
        Add(assembler, [(Root(), default)]);

        var (useCase, call) = Assert.Single(sink.Calls);
        Assert.Equal(("support", 3, 300L, 0.75m), (useCase, sink.CallCounts[0], call.Tokens.Input, call.CostUsd));
    }

    [Fact]
    public void Add_MoreKindsOfCallsThanATaskHolds_CountsTheRestAtOnceAndCountsThemAsEarly()
    {
        int kinds = HeldCalls.MaxSummedGroups + 10;
        var calls = Enumerable.Range(0, kinds).Select(i => (Tool(0x1000 + (ulong)i, $"tool-{i}"), Priced.At(0.01m))).ToList();

        var sink = new TaskDecisionLog();
        RecordingAssembler assembler = Assembler(sink);
        Add(assembler, calls);

        Assert.Equal(10, sink.EarlyCountedCalls);
        Assert.Equal(10, sink.Calls.Count); // counted at once, under the use case known then
        Add(assembler, [(Root(), default)]);
        Assert.Equal(kinds, sink.CallCounts.Sum());
        Assert.Equal(kinds * 0.01m, sink.Calls.Sum(c => c.Call.CostUsd));
        _clock.Advance(TimeSpan.FromSeconds(Settle));
        assembler.Sweep();
        Assert.Equal(kinds, Assert.Single(sink.Finished).ToolCalls);
    }

    [Fact]
    public void Restart_HeldCalls_AreSavedFoldedAndCountAfterTheRestartAsEachCallWould()
    {
        List<(SpanFacts, CallPrice)> calls = ManyCalls(5_000);
        var (expectedPerCall, expectedFinished) = RootFirst(calls);

        var firstSink = new TaskDecisionLog();
        RecordingAssembler first = Assembler(firstSink);
        foreach (var chunk in calls.Chunk(100)) Add(first, chunk);
        StateFile(first, firstSink).Checkpoint();
        string saved = File.ReadAllText(StatePath);
        Assert.Contains($"\"Version\":{TaskStateSnapshot.CurrentVersion}", saved);
        Assert.True(CountOf(saved, "\"Role\"") <= 7, "held calls alike are one entry of the state file");

        var sink = new TaskDecisionLog();
        RecordingAssembler second = Assembler(sink);
        StateFile(second, sink).Load(StatePath);
        Assert.Equal(1, second.PendingCount);
        Add(second, [(Root(), default)]);

        Assert.Equal(expectedPerCall, PerCall(sink));
        _clock.Advance(TimeSpan.FromSeconds(Settle));
        second.Sweep();
        Assert.Equal(expectedFinished, Finished(sink));
    }

    [Fact]
    public void Restart_HeldCallTakenBackByAWrapperAfterTheRestart_IsNotCounted()
    {
        var firstSink = new TaskDecisionLog();
        RecordingAssembler first = Assembler(firstSink);
        Add(first, [(Llm(0xB1, "gpt-4o", 100, parent: 0xB), Priced.At(0.25m)), (Llm(0xD, "gpt-4o", 100), Priced.At(0.25m))]);
        StateFile(first, firstSink).Checkpoint();

        var sink = new TaskDecisionLog();
        RecordingAssembler second = Assembler(sink);
        StateFile(second, sink).Load(StatePath);
        Add(second, [(Llm(0xB, "gpt-4o", 100), Priced.At(0.25m))]); // the wrapper of 0xB1
        Add(second, [(Root(), default)]);

        Assert.Equal(2, sink.CallCounts.Sum());
        Assert.Equal(0.5m, sink.Calls.Sum(c => c.Call.CostUsd));
    }

    [Fact]
    public void Load_Version3FileWithOneEntryPerHeldCall_CountsTheCallsWhenTheRootArrives()
    {
        const string trace = "000000000a0b0c0d0000000000000001"; // Trace
        static string Call(ulong id, string model, long input, string cost) =>
            $$"""{"SpanId":{{id}},"Role":"Llm","Provider":"openai","Model":"{{model}}","Tool":null,"InputTokens":{{input}},"OutputTokens":0,"CacheReadTokens":0,"CacheWriteTokens":0,"ReasoningTokens":0,"CostUsd":{{cost}},"Unpriced":false,"Basis":"Table","ServiceTier":"Standard","ServiceTierUnpriced":false}""";
        long now = TestClock.Start.ToUnixTimeMilliseconds();
        // Spans 0x1001..0x1003 are counted LLM calls under the root 0x100 (Seen | LlmCall | Counted); 0x1002 was taken
        // back by a wrapper before the save (no Counted mark), so its held entry does not count.
        string file = $$"""
            {"Version":3,"SavedAtMs":{{now}},"HeldOutcomes":[],"Tasks":[{"TraceId":"{{trace}}","FirstSeenMs":{{now}},"LastActivityMs":{{now}},
            "UseCase":"svc","UseCaseRank":5,"Environment":null,"EnvironmentFromRoot":false,"Variant":null,"VariantFromRoot":false,
            "Outcome":"Unknown","OutcomeSource":"None","OutcomeSpanEnd":0,"RootError":false,"SpanCostUsd":0,"TaskCostUsd":null,
            "LlmCalls":0,"ToolCalls":0,"InputTokens":0,"OutputTokens":0,"Models":[],"UseCaseFinal":false,"CallsCounted":false,
            "Spans":[{"Id":256,"Parent":0,"Marks":0},{"Id":4097,"Parent":256,"Marks":7},{"Id":4098,"Parent":256,"Marks":11},{"Id":4099,"Parent":256,"Marks":7}],
            "HeldCalls":[{{Call(4097, "gpt-4o", 10, "0.1")}},{{Call(4098, "gpt-4o", 10, "0.1")}},{{Call(4099, "gpt-4o", 10, "0.1")}}]}]}
            """;
        File.WriteAllText(StatePath, file);

        var sink = new TaskDecisionLog();
        RecordingAssembler assembler = Assembler(sink);
        StateFile(assembler, sink).Load(StatePath);
        Assert.True(File.Exists(StatePath), "the version 3 file was moved aside");
        Assert.Equal(1, assembler.PendingCount);
        Add(assembler, [(Root(), default)]);

        var (useCase, call) = Assert.Single(sink.Calls);
        Assert.Equal(("support", 2, 20L, 0.2m), (useCase, sink.CallCounts[0], call.Tokens.Input, call.CostUsd));
    }

    private static int CountOf(string text, string what)
    {
        int count = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
