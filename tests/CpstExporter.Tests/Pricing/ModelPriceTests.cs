using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;

namespace CpstExporter.Tests.Pricing;

public class ModelPriceTests
{
    /// <summary>Every rate different, so a token priced at the wrong rate shows in the total.</summary>
    private static readonly ModelPrice AllRates = new()
    {
        Name = "all-rates",
        InputPerMillion = 3.00m,
        OutputPerMillion = 15.00m,
        CacheReadPerMillion = 0.30m,
        CacheWritePerMillion = 3.75m,
        ReasoningPerMillion = 20.00m,
    };

    private static readonly ModelPrice Gpt4o = new()
    {
        Name = "gpt-4o",
        InputPerMillion = 2.50m,
        OutputPerMillion = 10.00m,
        CacheReadPerMillion = 1.25m,
        CacheWritePerMillion = 2.50m,
        ReasoningPerMillion = 10.00m,
    };

    [Fact]
    public void Cost_InputAndOutputOnly_IsTokensTimesRatePerMillion()
    {
        // 1000 × 2.50 + 200 × 10.00 = 4500 per million
        Assert.Equal(0.0045m, Gpt4o.Cost(new TokenUsage(1000, 200, 0, 0, 0)));
    }

    [Fact]
    public void Cost_AllSubsets_PricesEachSubsetAtItsRateAndTheRestAtTheBaseRate()
    {
        // uncached input (10000 − 6000 − 1500) × 3.00  =  7 500
        // cache read     6000 × 0.30                  =  1 800
        // cache write    1500 × 3.75                  =  5 625
        // plain output   (2000 − 500) × 15.00         = 22 500
        // reasoning      500 × 20.00                  = 10 000
        //                                        total 47 425 per million
        decimal cost = AllRates.Cost(new TokenUsage(Input: 10_000, Output: 2_000, CacheRead: 6_000, CacheWrite: 1_500, Reasoning: 500));

        Assert.Equal(0.047425m, cost);
    }

    public static TheoryData<long, long, long, long, long, string> Rows => new()
    {
        // input, output, cache_read, cache_write, reasoning, expected USD (worked by hand at 3 / 15 / 0.30 / 3.75 / 20)
        { 1, 0, 0, 0, 0, "0.000003" },
        { 0, 1, 0, 0, 0, "0.000015" },
        { 1, 0, 1, 0, 0, "0.0000003" },
        { 1, 0, 0, 1, 0, "0.00000375" },
        { 0, 1, 0, 0, 1, "0.00002" },
        { 1_000_000, 0, 0, 0, 0, "3" },
        { 1_000_000, 1_000_000, 1_000_000, 0, 1_000_000, "20.3" },          // all input cached, all output reasoning
        { 1_000_000, 0, 500_000, 500_000, 0, "2.025" },                      // 0.15 + 1.875
        { 7, 3, 2, 1, 1, "0.00006635" },                                     // 4×3 + 2×0.3 + 1×3.75 + 2×15 + 1×20 = 66.35
        { 0, 0, 0, 0, 0, "0" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Cost_TokenMix_MatchesTheFormulaToTheLastDigit(long input, long output, long cacheRead, long cacheWrite, long reasoning, string expected)
    {
        decimal cost = AllRates.Cost(new TokenUsage(input, output, cacheRead, cacheWrite, reasoning));

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), cost);
    }

    [Fact]
    public void Cost_CachedTokensMoreThanInput_NoNegativeUncachedInput()
    {
        // 80 + 50 cached tokens reported against 100 input: nothing at the input rate, never a negative amount.
        decimal cost = AllRates.Cost(new TokenUsage(Input: 100, Output: 0, CacheRead: 80, CacheWrite: 50, Reasoning: 0));

        Assert.Equal((80 * 0.30m + 50 * 3.75m) / 1_000_000m, cost);
        Assert.Equal(0.0002115m, cost);
    }

    [Fact]
    public void Cost_ReasoningMoreThanOutput_NoNegativePlainOutput()
    {
        decimal cost = AllRates.Cost(new TokenUsage(Input: 0, Output: 10, CacheRead: 0, CacheWrite: 0, Reasoning: 30));

        Assert.Equal(0.0006m, cost); // 30 × 20
    }

    [Fact]
    public void Cost_SubsetsAreNotPricedOnTopOfTheTotal()
    {
        var withSubsets = new TokenUsage(1000, 1000, 1000, 0, 1000);
        var without = new TokenUsage(1000, 1000, 0, 0, 0);

        // Same rates everywhere: moving tokens into subsets must not change the price.
        var flat = new ModelPrice
        {
            Name = "flat", InputPerMillion = 1m, OutputPerMillion = 1m, CacheReadPerMillion = 1m, CacheWritePerMillion = 1m, ReasoningPerMillion = 1m,
        };
        Assert.Equal(flat.Cost(without), flat.Cost(withSubsets));
        Assert.Equal(0.002m, flat.Cost(withSubsets));
    }

    [Theory]
    [InlineData(null, "openai", true)]
    [InlineData("openai", null, true)]
    [InlineData("openai", "openai", true)]
    [InlineData("openai", "OpenAI", true)]
    [InlineData("openai", "azure.ai.openai", false)]
    public void MatchesProvider_EntryAndSpanProvider(string? entryProvider, string? spanProvider, bool matches)
    {
        var price = new ModelPrice
        {
            Name = "m", Provider = entryProvider, InputPerMillion = 1m, OutputPerMillion = 1m,
            CacheReadPerMillion = 1m, CacheWritePerMillion = 1m, ReasoningPerMillion = 1m,
        };

        Assert.Equal(matches, price.MatchesProvider(spanProvider));
    }
}
