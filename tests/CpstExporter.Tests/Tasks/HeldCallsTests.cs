using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;

namespace CpstExporter.Tests.Tasks;

/// <summary>
/// A pending task's held calls (<see cref="HeldCalls"/>): calls alike folded into one group, so a trace whose root
/// arrives last holds memory per kind of call, not per call, and counting a group gives what counting each call would.
/// </summary>
public class HeldCallsTests
{
    private static CountedCall Llm(string model, long input = 1, long output = 0, decimal cost = 0.0000025m) =>
        new(SpanRole.Llm, "openai", model, null, new TokenUsage(input, output, 0, 0, 0), cost, false, PricingBasis.Table, ServiceTier.Standard, false);

    private static CountedCall ToolCall(string tool, decimal cost = 0m) =>
        new(SpanRole.Tool, null, null, tool, default, cost, false, PricingBasis.Table, ServiceTier.Standard, false);

    /// <summary>A span table where spans 1..<paramref name="count"/> arrived under root 1,000,000 and their calls count.</summary>
    private static SpanTable Counted(int count)
    {
        var spans = new SpanTable(SpanTable.InitialCapacity);
        for (ulong id = 1; id <= (ulong)count; id++)
        {
            spans.TryArrive(id, 1_000_000, out int index);
            spans.At(index).Marks |= SpanMarks.LlmCall | SpanMarks.Counted;
        }
        return spans;
    }

    /// <summary>The ledger of traced cost files a call under the day its span ended: calls of two days are never one group.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Hold_CallsAlikeButForTheirDay_AreTwoGroups_CountedEachWithItsDay(bool tracked)
    {
        DateOnly oct31 = new(2026, 10, 31), nov1 = new(2026, 11, 1);
        SpanTable spans = Counted(4);
        var held = new HeldCalls();

        held.Hold(Llm("gpt-4o") with { EndDay = oct31 }, 1, tracked);
        held.Hold(Llm("gpt-4o") with { EndDay = nov1 }, 2, tracked);
        held.Hold(Llm("gpt-4o") with { EndDay = oct31 }, 3, tracked);

        Assert.Equal([(oct31, 2, 0.000005m), (nov1, 1, 0.0000025m)],
            held.StillCounting(in spans).Select(c => (c.Calls.EndDay, c.Count, c.Calls.CostUsd)));
    }

    [Fact]
    public void Hold_ManyLlmCallsAlike_AreOneGroupAndCountAsTheirSum()
    {
        const int calls = 100_000;
        SpanTable spans = Counted(calls);
        var held = new HeldCalls();

        for (ulong id = 1; id <= calls; id++) Assert.Equal(HoldResult.Held, held.Hold(Llm("gpt-4o"), id, tracked: true));

        Assert.Equal(1, held.Groups.Length);
        Assert.Equal(calls, held.Members.Length);
        var (sum, count) = Assert.Single(held.StillCounting(in spans));
        Assert.Equal(calls, count);
        Assert.Equal(new TokenUsage(calls, 0, 0, 0, 0), sum.Tokens);
        Assert.Equal(0.25m, sum.CostUsd);
        Assert.Equal("0.2500000", sum.CostUsd.ToString(System.Globalization.CultureInfo.InvariantCulture)); // the scale of adding each
    }

    [Fact]
    public void Hold_UntrackedCallsOfOneKind_AreSummedToTheLastDigit()
    {
        var held = new HeldCalls();
        var random = new Random(7);
        decimal cost = 0m;
        long input = 0, output = 0;
        for (int i = 0; i < 10_000; i++)
        {
            var call = Llm("gpt-4o", input: random.Next(1, 5000), output: random.Next(0, 900), cost: random.Next(1, 1_000_000) / 10_000_000m);
            cost += call.CostUsd;
            input += call.Tokens.Input;
            output += call.Tokens.Output;
            Assert.Equal(HoldResult.Held, held.Hold(in call, (ulong)i + 1, tracked: false));
        }

        var (sum, count) = Assert.Single(held.StillCounting(default));
        Assert.Equal(10_000, count);
        Assert.Equal(cost, sum.CostUsd);
        Assert.Equal(cost.Scale, sum.CostUsd.Scale);
        Assert.Equal(new TokenUsage(input, output, 0, 0, 0), sum.Tokens);
        Assert.Empty(held.Members.ToArray());
    }

    [Fact]
    public void Hold_CallsOfOtherPricing_AreOtherGroups()
    {
        var held = new HeldCalls();
        held.Hold(Llm("gpt-4o"), 1, tracked: false);
        held.Hold(Llm("gpt-4o") with { Basis = PricingBasis.ProviderReported }, 2, tracked: false);
        held.Hold(Llm("gpt-4o") with { ServiceTier = ServiceTier.Batch }, 3, tracked: false);
        held.Hold(Llm("gpt-4o") with { Unpriced = true, Basis = PricingBasis.Unpriced }, 4, tracked: false);
        held.Hold(Llm("gpt-4o-mini"), 5, tracked: false);
        held.Hold(Llm("gpt-4o"), 6, tracked: false);

        Assert.Equal(5, held.Groups.Length);
        Assert.Equal([2, 1, 1, 1, 1], held.StillCounting(default).Select(c => c.Count));
    }

    [Fact]
    public void StillCounting_CallTakenBackByALaterWrapper_IsNotCounted()
    {
        SpanTable spans = Counted(3);
        var held = new HeldCalls();
        for (ulong id = 1; id <= 3; id++) held.Hold(Llm("gpt-4o", input: 10), id, tracked: true);

        spans.At(spans.IndexOf(2)).Marks &= ~SpanMarks.Counted; // a span that came later showed it a wrapper

        var (sum, count) = Assert.Single(held.StillCounting(in spans));
        Assert.Equal(2, count);
        Assert.Equal(20, sum.Tokens.Input);
        Assert.Equal(0.0000050m, sum.CostUsd);
    }

    [Fact]
    public void StillCounting_Groups_AreInTheOrderTheirFirstCountingCallArrived()
    {
        SpanTable spans = Counted(6);
        var held = new HeldCalls();
        held.Hold(Llm("model-a"), 1, tracked: true);
        held.Hold(ToolCall("search"), 2, tracked: true);
        held.Hold(ToolCall("fetch"), 3, tracked: true);
        held.Hold(Llm("model-b"), 4, tracked: true);
        held.Hold(Llm("model-a"), 5, tracked: true);
        held.Hold(Llm("model-c"), 6, tracked: false);

        Assert.Equal(["model-a", "search", "fetch", "model-b", "model-c"], held.StillCounting(in spans).Select(c => c.Calls.Model ?? c.Calls.Tool));

        spans.At(spans.IndexOf(1)).Marks &= ~SpanMarks.Counted; // model-a's first call taken back: its next one is its place
        Assert.Equal(["search", "fetch", "model-b", "model-a", "model-c"], held.StillCounting(in spans).Select(c => c.Calls.Model ?? c.Calls.Tool));
    }

    [Fact]
    public void Hold_PastTheGroupsWithSpanIds_SumsTheCallAndSaysSo()
    {
        var held = new HeldCalls();
        for (int i = 0; i < HeldCalls.MaxGroupsWithSpanIds; i++)
            Assert.Equal(HoldResult.Held, held.Hold(Llm("gpt-4o", input: i + 1), (ulong)i + 1, tracked: true));

        Assert.Equal(HoldResult.Summed, held.Hold(Llm("gpt-4o", input: 1_000_000), 1_000_000, tracked: true));
        Assert.Equal(HoldResult.Summed, held.Hold(Llm("gpt-4o", input: 2_000_000), 2_000_000, tracked: true));
        Assert.Equal(HoldResult.Held, held.Hold(Llm("gpt-4o", input: 5), 5_000_000, tracked: true)); // joins its group

        Assert.Equal(HeldCalls.MaxGroupsWithSpanIds + 1, held.Groups.Length);
        Assert.Equal(HeldCalls.MaxGroupsWithSpanIds + 3, held.Calls);
    }

    [Fact]
    public void Hold_PastTheSummedGroups_RefusesANewKindButTakesKnownOnes()
    {
        var held = new HeldCalls();
        for (int i = 0; i < HeldCalls.MaxSummedGroups; i++)
            Assert.Equal(HoldResult.Held, held.Hold(ToolCall($"tool-{i}"), (ulong)i + 1, tracked: true));

        Assert.Equal(HoldResult.Refused, held.Hold(ToolCall("one-more"), 9_999, tracked: true));
        Assert.Equal(HoldResult.Held, held.Hold(ToolCall("tool-7"), 10_000, tracked: true));

        Assert.Equal(HeldCalls.MaxSummedGroups, held.Groups.Length);
        Assert.Equal(HeldCalls.MaxSummedGroups + 1, held.Calls);
    }

    [Fact]
    public void TryRestore_MemberNamingNoGroupOfSuchCalls_IsRefused()
    {
        var held = new HeldCalls();
        Assert.True(held.TryRestore(new HeldGroup { Call = ToolCall("search"), Summed = true, Calls = 3 }));
        Assert.True(held.TryRestore(new HeldGroup { Call = Llm("gpt-4o") }));

        Assert.False(held.TryRestore(new HeldMember(1, 0))); // a summed group has no members
        Assert.False(held.TryRestore(new HeldMember(1, 2)));
        Assert.False(held.TryRestore(new HeldMember(1, -1)));
        Assert.False(held.TryRestore(new HeldGroup { Call = ToolCall("x"), Summed = true, Calls = -1 }));
        Assert.True(held.TryRestore(new HeldMember(1, 1)));
        Assert.Equal(4, held.Calls);
    }

    [Fact]
    public void Times_CostOfAboutTwentyEightDigits_IsTheSumOfAddingEach()
    {
        decimal cost = 9.999999999999999999999999999m; // nine times it has 29 digits: the product would round once
        decimal added = 0m;
        for (int i = 0; i < 9; i++) added += cost;

        CountedCall nine = Llm("gpt-4o", cost: cost).Times(9);

        Assert.Equal(added, nine.CostUsd);
        Assert.Equal(9, nine.Tokens.Input);
    }
}
