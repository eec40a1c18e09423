using System.Buffers;
using System.Text.Json;
using CpstExporter.Aggregation;
using CpstExporter.Billing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Billing;

/// <summary>The ledger files each counted call's cost under its day, provider and use case, bounded, and round-trips through the state file.</summary>
public sealed class TracedCostLedgerTests
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(TestClock.Start.UtcDateTime); // 2026-11-02
    private static readonly DateOnly Oct31 = new(2026, 10, 31);

    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly SupportingCostAccrual _supporting;

    public TracedCostLedgerTests() => _supporting = new SupportingCostAccrual(_clock, new Dictionary<string, UseCaseOptions>());

    private TracedCostLedger Ledger(int maxPairsPerDay = 2000, bool accrueWhenSaved = false, bool allocating = true) =>
        new(maxPairsPerDay, _clock, _supporting, accrueWhenSaved, allocating, NullLogger<TracedCostLedger>.Instance);

    private static CountedCalls Llm(string useCase, string? provider, decimal cost, DateOnly day, int calls = 1) =>
        new(useCase, new CountedCall(SpanRole.Llm, provider, "gpt-4o", null, default, cost, false, EndDay: day), calls);

    private static CountedCalls Tool(string useCase, decimal cost, DateOnly day) =>
        new(useCase, new CountedCall(SpanRole.Tool, null, null, "search", default, cost, false, EndDay: day), 1);

    private static Dictionary<LedgerKey, decimal> Lines(TracedCostLedger ledger) => ledger.Lines().ToDictionary();

    [Fact]
    public void Record_LlmAndToolCalls_GoUnderTheirProviderAndTools_OnTheDayTheirSpanEnded()
    {
        TracedCostLedger ledger = Ledger();
        ledger.Record([Llm("support", "openai", 0.25m, Oct31, calls: 5), Llm("support", "openai", 0.5m, Today), Llm("support", null, 0.125m, Oct31),
            Tool("support", 0.01m, Oct31), Llm("coder", "openai", 1m, Oct31)]);
        ledger.Record([Llm("support", "openai", 0.75m, Oct31)]);

        Assert.Equal(new Dictionary<LedgerKey, decimal>
        {
            [new(Oct31, "openai", "support")] = 1.00m,
            [new(Today, "openai", "support")] = 0.5m,
            [new(Oct31, "unknown", "support")] = 0.125m,
            [new(Oct31, TracedCostLedger.ToolsProvider, "support")] = 0.01m,
            [new(Oct31, "openai", "coder")] = 1m,
        }, Lines(ledger));
        Assert.Equal(2.00m, ledger.ByDayAndProvider()[(Oct31, "openai")]);
    }

    [Fact]
    public void Record_NoEndTimeOrAnEndInTheFuture_IsToday()
    {
        TracedCostLedger ledger = Ledger();
        ledger.Record([Llm("support", "openai", 1m, default), Llm("support", "openai", 2m, Today.AddDays(3))]);

        Assert.Equal(new Dictionary<LedgerKey, decimal> { [new(Today, "openai", "support")] = 3m }, Lines(ledger));
    }

    [Fact]
    public void Record_CallThatEndedBeforeTheKeptMonths_IsLeftOutAndCounted()
    {
        TracedCostLedger ledger = Ledger();
        ledger.Record([Llm("support", "openai", 1m, new DateOnly(2026, 8, 31)), Llm("support", "openai", 2m, new DateOnly(2026, 9, 1))]);

        Assert.Equal(new Dictionary<LedgerKey, decimal> { [new(new DateOnly(2026, 9, 1), "openai", "support")] = 2m }, Lines(ledger));
        Assert.Equal(1, ledger.CallsBeforeWindow);
    }

    [Fact]
    public void Record_DayFull_NewUseCasesFoldIntoTheirProvidersOverflow_TotalsExact()
    {
        TracedCostLedger ledger = Ledger(maxPairsPerDay: 2);
        ledger.Record([Llm("a", "openai", 1m, Oct31), Llm("b", "openai", 2m, Oct31), Llm("c", "openai", 4m, Oct31), Llm("d", "anthropic", 8m, Oct31),
            Llm("e", "openai", 16m, Oct31), Llm("a", "openai", 32m, Oct31), Llm("x", "openai", 64m, Today)]);

        Assert.Equal(new Dictionary<LedgerKey, decimal>
        {
            [new(Oct31, "openai", "a")] = 33m,
            [new(Oct31, "openai", "b")] = 2m,
            [new(Oct31, "openai", BillingWindow.Overflow)] = 20m,
            [new(Oct31, "anthropic", BillingWindow.Overflow)] = 8m,
            [new(Today, "openai", "x")] = 64m, // another day has its own room
        }, Lines(ledger));
    }

    [Fact]
    public void Record_ProvidersOverflowsFull_FoldIntoTheDaysOverflow()
    {
        TracedCostLedger ledger = Ledger(maxPairsPerDay: 1);
        var calls = Enumerable.Range(0, TracedCostLedger.MaxOverflowPairsPerDay + 3).Select(i => Llm("u", $"p{i}", 1m, Oct31)).ToArray();
        ledger.Record(calls);

        Dictionary<LedgerKey, decimal> lines = Lines(ledger);
        Assert.Equal(1 + TracedCostLedger.MaxOverflowPairsPerDay, lines.Count - 1);
        Assert.Equal(2m, lines[new(Oct31, BillingWindow.Overflow, BillingWindow.Overflow)]);
        Assert.Equal(calls.Length, lines.Values.Sum());
    }

    [Fact]
    public void Record_MonthTurns_TheMonthNoLongerKeptIsDropped()
    {
        TracedCostLedger ledger = Ledger();
        ledger.Record([Llm("support", "openai", 1m, new DateOnly(2026, 9, 15)), Llm("support", "openai", 2m, Oct31)]);
        _clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 0, 0, 1, TimeSpan.Zero));
        ledger.Record([Llm("support", "openai", 4m, new DateOnly(2026, 12, 1))]);

        Assert.Equal(new Dictionary<LedgerKey, decimal>
        {
            [new(Oct31, "openai", "support")] = 2m,
            [new(new DateOnly(2026, 12, 1), "openai", "support")] = 4m,
        }, Lines(ledger));
    }

    [Fact]
    public void CaptureAndRestore_EveryLineAndAllocation_RoundTrips()
    {
        TracedCostLedger ledger = Ledger();
        ledger.Record([Llm("support", "openai", 1.000000000001m, Oct31), Tool("coder", 0.5m, Today)]);
        ledger.AllocatingFrom(Today);
        ledger.Allocate(Oct31, "openai", "untraced_openai", [("support", 2.5m)], 0.25m);

        TracedCostLedger restored = Ledger();
        restored.Restore(Written(ledger.Capture()));

        Assert.Equal(Lines(ledger), Lines(restored));
        Assert.Equal(new DayAllocation(2.75m, 0.25m), restored.AllocationOf(Oct31, "openai"));
        Assert.Equal(Today.AddDays(-2), restored.AllocatingFrom(Today.AddDays(10)));
    }

    [Fact]
    public void Restore_AllocationOff_ForgetsWhereTheAllocationStarted()
    {
        TracedCostLedger ledger = Ledger();
        ledger.AllocatingFrom(Today);
        TracedCostLedger restored = Ledger(allocating: false);
        restored.Restore(Written(ledger.Capture()));

        Assert.Equal(Today.AddDays(8), restored.AllocatingFrom(Today.AddDays(10)));
    }

    [Fact]
    public void Restore_NegativeOrNamelessEntries_AreSkipped()
    {
        using JsonDocument saved = JsonDocument.Parse("""
            {"Entries":[{"Day":"2026-10-31","Provider":"openai","UseCase":"a","Usd":1.5},{"Day":"2026-10-31","Provider":null,"UseCase":"b","Usd":1},
                        {"Day":"2026-10-31","Provider":"openai","UseCase":"c","Usd":-1}],"Allocations":null}
            """);
        TracedCostLedger ledger = Ledger();
        ledger.Restore(saved.RootElement);

        Assert.Equal(new Dictionary<LedgerKey, decimal> { [new(Oct31, "openai", "a")] = 1.5m }, Lines(ledger));
    }

    [Fact]
    public void Allocate_WhenSaved_AccruesOnlyOnceTheFileHoldingItIsSaved()
    {
        TracedCostLedger ledger = Ledger(accrueWhenSaved: true);
        ledger.Allocate(Oct31, "openai", "untraced_openai", [("support", 2.5m)], 0m);
        Assert.Empty(_supporting.Read());

        IStateSectionContent failedSave = ledger.Capture(); // written, but the file never replaced the old one
        ledger.Allocate(Oct31, "anthropic", "untraced_anthropic", [("support", 1m)], 0m);
        IStateSectionContent content = ledger.Capture();
        Assert.Empty(_supporting.Read());
        content.Saved();

        Assert.Equal([("support", "untraced_openai", 2.5m), ("support", "untraced_anthropic", 1m)], _supporting.Read());
        content.Saved(); // a second notice accrues nothing more
        Assert.Equal(3.5m, _supporting.Read().Sum(s => s.Usd));
        GC.KeepAlive(failedSave);
    }

    private static JsonElement Written(IStateSectionContent content)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer)) content.Write(json);
        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }
}
