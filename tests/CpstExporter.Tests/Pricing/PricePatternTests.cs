using CpstExporter.Pricing;
using static CpstExporter.Tests.Pricing.PricingFixtures;

namespace CpstExporter.Tests.Pricing;

/// <summary>
/// Patterns are the operator's, model ids are not (docs/pricing.md): a pattern runs on the linear-time engine whenever
/// it can; one that needs backtracking runs with a timeout, and an id that reaches it leaves the call unpriced, never
/// fails the request, and is reported once. Bounded time is shown by the outcome, never by a stopwatch.
/// </summary>
public class PricePatternTests
{
    /// <summary>A backreference: the linear engine cannot run it. Exponential in a run of a's that does not end the id.</summary>
    private const string Backtracking = @"^(a+)+\1$";

    private static readonly string Crafted = new string('a', 64) + "!";

    [Theory]
    [InlineData(@"^claude-sonnet-4-5(-\d{8})?$", true)]
    [InlineData(@"^(a+)+$", true)]
    [InlineData(Backtracking, false)]
    public void Parse_Pattern_LinearEngineWheneverItCan(string pattern, bool linear)
    {
        Assert.Equal(linear, PricePattern.Parse(pattern).IsLinear);
    }

    [Fact]
    public void Parse_ShippedTable_EveryPatternRunsInLinearTime()
    {
        Assert.All(Shipped.Models.Where(m => m.Pattern is not null), m => Assert.True(m.Pattern!.IsLinear, $"{m.Name}: {m.Pattern!.Text}"));
    }

    [Fact]
    public void IsMatch_NestedQuantifierOnTheLinearEngine_AnswersOnAHugeId()
    {
        PricePattern pattern = PricePattern.Parse(@"^(a+)+$");
        string longId = new('a', 100_000);

        Assert.False(pattern.IsMatch(longId + "!"));
        Assert.True(pattern.IsMatch(longId));
        Assert.False(pattern.TakeTimeoutNotice());
    }

    [Fact]
    public void IsMatch_BacktrackingPatternOnACraftedId_UnmatchedAndReportedOnce()
    {
        PricePattern pattern = PricePattern.Parse(Backtracking);

        Assert.True(pattern.IsMatch("aaaa"));        // what it is for still works
        Assert.False(pattern.TakeTimeoutNotice());
        Assert.False(pattern.IsMatch(Crafted));      // timed out: not a match, not an exception
        Assert.True(pattern.TakeTimeoutNotice());
        Assert.False(pattern.IsMatch(Crafted));
        Assert.False(pattern.TakeTimeoutNotice());   // reported once
    }

    [Fact]
    public void Price_CraftedIdAgainstABacktrackingPattern_CallUnpricedAndPatternReportedOnce()
    {
        PriceTable table = Yaml($"""
            models:
              - name: gpt-4o
                input: 2.50
                output: 10.00
              - name: evil
                pattern: '{Backtracking}'
                input: 1.00
                output: 1.00
            """);

        CallPrice crafted = Price(table, Call(Crafted, "openai", 1_000, 100));
        CallPrice honest = Price(table, Call("gpt-4o", "openai", 1_000, 100));

        Assert.True(crafted.Unpriced);
        Assert.Equal(0m, crafted.CostUsd);
        Assert.Equal(0.0035m, honest.CostUsd); // 1000 × 2.50 + 100 × 10
        Assert.Equal([Backtracking], table.TakeTimedOutPatterns().Select(p => p.Text));
        Assert.True(Price(table, Call(Crafted + "?", "openai", 1_000, 100)).Unpriced);
        Assert.Empty(table.TakeTimedOutPatterns());
    }
}
