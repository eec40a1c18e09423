using CpstExporter.Pricing;
using static CpstExporter.Tests.Pricing.PricingFixtures;

namespace CpstExporter.Tests.Pricing;

/// <summary>
/// Patterns are the operator's, model ids are not (docs/pricing.md): a match runs with a timeout, and an id that
/// reaches it leaves the call unpriced, never fails the request, and is reported once. Bounded time is shown by the
/// outcome, never by a stopwatch.
/// </summary>
public class PricePatternTests
{
    /// <summary>Nested quantifiers and a backreference: exponential in a run of a's that does not end the id.</summary>
    private const string Backtracking = @"^(a+)+\1$";

    private static readonly string Crafted = new string('a', 64) + "!";

    [Theory]
    [InlineData(@"^gpt-4o(-\d{4}-\d{2}-\d{2})?$", "GPT-4o-2024-08-06", true)]
    [InlineData(@"^GPT-4O(-\d{4}-\d{2}-\d{2})?$", "gpt-4o-2024-08-06", true)]
    [InlineData(@"^gpt-4o$", "gpt-4o-mini", false)]
    [InlineData(@"^gpt-4o\D*$", "GPT-4O-MINI", true)]
    public void IsMatch_AnyCase_MatchesAsTheIdIsWrittenOrNot(string pattern, string model, bool matches)
    {
        Assert.Equal(matches, PricePattern.Parse(pattern).IsMatch(model));
    }

    [Fact]
    public void IsMatch_ShippedPatternsOnAHugeHostileId_AnswerWithoutTimingOut()
    {
        // Ids made of what the shipped patterns' own pieces repeat most, 100,000 characters long: anchored patterns
        // without nested quantifiers fail them at once, so none reaches its timeout (which would be reported).
        string[] hostile = [new string('9', 100_000), "claude-" + string.Concat(Enumerable.Repeat("4-", 50_000)), "gpt-4o" + new string('-', 100_000),
            "anthropic." + string.Concat(Enumerable.Repeat("anthropic.", 10_000))];
        PricePattern[] patterns = Shipped.Models.Select(m => m.Pattern).OfType<PricePattern>().ToArray();
        Assert.NotEmpty(patterns);

        foreach (string id in hostile)
            Assert.All(patterns, p => Assert.False(p.IsMatch(id), $"{p.Text} matched a hostile id"));
        Assert.All(patterns, p => Assert.False(p.TakeTimeoutNotice(), $"{p.Text} timed out"));
    }

    [Fact]
    public void IsMatch_NestedQuantifierOnAHugeId_TimesOutUnmatchedNotAnException()
    {
        PricePattern pattern = PricePattern.Parse(@"^(a+)+$");
        string longId = new('a', 100_000);

        Assert.True(pattern.IsMatch(longId));
        Assert.False(pattern.IsMatch(longId + "!"));
        Assert.True(pattern.TakeTimeoutNotice());
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
