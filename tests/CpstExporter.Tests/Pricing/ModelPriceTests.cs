using CpstExporter.Pricing;
using CpstExporter.Primitives;
using static CpstExporter.Tests.Pricing.PricingFixtures;

namespace CpstExporter.Tests.Pricing;

/// <summary>
/// The price model of docs/pricing.md, rule by rule, on entries built in the test: what a set of rates makes of a
/// call's tokens (<see cref="TokenRates.Cost"/>), and which rates an entry applies (<see cref="ModelPrice.Cost(in TokenUsage, long, ServiceTier)"/>):
/// the prompt tier, then the served service tier. Every expected value is worked by hand in the comment beside it.
/// </summary>
public class ModelPriceTests
{
    /// <summary>Every rate different, so a token priced at the wrong rate shows in the total.</summary>
    private static readonly TokenRates AllRates = new(Input: 3.00m, Output: 15.00m, CacheRead: 0.30m, CacheWrite: 3.75m, CacheWrite1h: 6.00m, Reasoning: 20.00m);

    private static readonly TokenRates Flat = new(1m, 1m, 1m, 1m, 1m, 1m);

    // ---------------------------------------------------------------- TokenRates.Cost

    public static TheoryData<long, long, long, long, long, long, string> Rows => new()
    {
        // input, output, cache_read, cache_write, of which 1-hour, reasoning, expected USD at 3 / 15 / 0.30 / 3.75 / 6 / 20
        { 1, 0, 0, 0, 0, 0, "0.000003" },
        { 0, 1, 0, 0, 0, 0, "0.000015" },
        { 1, 0, 1, 0, 0, 0, "0.0000003" },
        { 1, 0, 0, 1, 0, 0, "0.00000375" },
        { 1, 0, 0, 1, 1, 0, "0.000006" },
        { 0, 1, 0, 0, 0, 1, "0.00002" },
        { 1_000_000, 0, 0, 0, 0, 0, "3" },
        { 1_000_000, 1_000_000, 1_000_000, 0, 0, 1_000_000, "20.3" },        // all input cached, all output reasoning
        { 1_000_000, 0, 500_000, 500_000, 0, 0, "2.025" },                    // 0.15 + 1.875
        { 1_000_000, 0, 0, 1_000_000, 400_000, 0, "4.65" },                   // 600k × 3.75 + 400k × 6 = 2.25 + 2.4
        { 7, 3, 2, 1, 0, 1, "0.00006635" },                                   // 4×3 + 2×0.3 + 1×3.75 + 2×15 + 1×20 = 66.35
        { 10, 3, 2, 4, 1, 1, "0.00007985" },                                  // 4×3 + 2×0.3 + 3×3.75 + 1×6 + 2×15 + 1×20 = 79.85
        { 0, 0, 0, 0, 0, 0, "0" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Cost_TokenMix_MatchesTheFormulaToTheLastDigit(long input, long output, long cacheRead, long cacheWrite, long cacheWrite1h,
        long reasoning, string expected)
    {
        decimal cost = AllRates.Cost(new TokenUsage(input, output, cacheRead, cacheWrite, reasoning), cacheWrite1h);

        Assert.Equal(Usd(expected), cost);
    }

    [Fact]
    public void Cost_AllSubsets_PricesEachSubsetAtItsRateAndTheRestAtTheBaseRate()
    {
        // uncached input (10000 − 6000 − 1500) × 3.00 =  7 500
        // cache read     6000 × 0.30                 =  1 800
        // 5-minute write (1500 − 500) × 3.75         =  3 750
        // 1-hour write   500 × 6.00                  =  3 000
        // plain output   (2000 − 500) × 15.00        = 22 500
        // reasoning      500 × 20.00                 = 10 000
        //                                       total 48 550 per million
        decimal cost = AllRates.Cost(new TokenUsage(Input: 10_000, Output: 2_000, CacheRead: 6_000, CacheWrite: 1_500, Reasoning: 500), cacheWrite1h: 500);

        Assert.Equal(0.04855m, cost);
    }

    [Fact]
    public void Cost_CachedTokensMoreThanInput_NoNegativeUncachedInput()
    {
        // 80 + 50 cached tokens reported against 100 input: nothing at the input rate, never a negative amount.
        decimal cost = AllRates.Cost(new TokenUsage(Input: 100, Output: 0, CacheRead: 80, CacheWrite: 50, Reasoning: 0), 0);

        Assert.Equal(0.0002115m, cost); // 80 × 0.30 + 50 × 3.75 = 211.5
    }

    [Fact]
    public void Cost_ReasoningMoreThanOutput_NoNegativePlainOutput()
    {
        decimal cost = AllRates.Cost(new TokenUsage(Input: 0, Output: 10, CacheRead: 0, CacheWrite: 0, Reasoning: 30), 0);

        Assert.Equal(0.0006m, cost); // 30 × 20
    }

    [Fact]
    public void Cost_OneHourWritesMoreThanTheWrites_AtMostTheWritesAtTheOneHourRate()
    {
        // 1-hour writes are a subset of the writes: 500 of them against 200 writes prices 200, never a negative 5-minute part.
        decimal cost = AllRates.Cost(new TokenUsage(Input: 200, Output: 0, CacheRead: 0, CacheWrite: 200, Reasoning: 0), cacheWrite1h: 500);

        Assert.Equal(0.0012m, cost); // 200 × 6
    }

    [Fact]
    public void Cost_SubsetsAreNotPricedOnTopOfTheTotal()
    {
        // Same rates everywhere: moving tokens into subsets must not change the price.
        decimal without = Flat.Cost(new TokenUsage(1000, 1000, 0, 0, 0), 0);
        decimal withSubsets = Flat.Cost(new TokenUsage(1000, 1000, 400, 300, 1000), cacheWrite1h: 100);

        Assert.Equal(without, withSubsets);
        Assert.Equal(0.002m, withSubsets);
    }

    [Fact]
    public void Cost_RateTimesCountBeyondDecimal_SaturatesInsteadOfThrowing()
    {
        // A price file's typo (a rate of 7·10²⁸ per 1M) times a plausible count: no exception reaches the request.
        var typo = new TokenRates(70_000_000_000_000_000_000_000_000_000m, 1m, 1m, 1m, 1m, 1m);

        Assert.Equal(decimal.MaxValue, typo.Cost(new TokenUsage(100_000_000, 0, 0, 0, 0), 0));
        Assert.Equal(0.000001m, typo.Cost(new TokenUsage(0, 1, 0, 0, 0), 0));
    }

    // ---------------------------------------------------------------- ModelPrice.Cost: prompt tiers

    private static TokenRates Rates(decimal input, decimal output) => new(input, output, input / 10, input * 1.25m, input * 2, output);

    private static ServiceTierPrice?[] ServiceTiers(ServiceTierPrice? batch = null, ServiceTierPrice? flex = null, ServiceTierPrice? priority = null) =>
        [null, batch, flex, priority];

    /// <summary>
    /// Base 3 / 15, a tier above 200k at 6 / 22.5 and one above 500k at 10 / 40. Base: priority at rates of its own
    /// (5 / 25), flex as a factor (0.5), batch at rates (1.5 / 7.5). The 200k tier: priority at rates of its own
    /// (12 / 45), no flex, no batch. The 500k tier: no service tiers.
    /// </summary>
    private static readonly ModelPrice Tiered = new()
    {
        Name = "tiered",
        Base = new PromptTier(0, Rates(3m, 15m), ServiceTiers(
            batch: ServiceTierPrice.OfRates(Rates(1.5m, 7.5m)),
            flex: ServiceTierPrice.OfFactor(0.5m),
            priority: ServiceTierPrice.OfRates(Rates(5m, 25m)))),
        Tiers =
        [
            new PromptTier(200_000, Rates(6m, 22.5m), ServiceTiers(priority: ServiceTierPrice.OfRates(Rates(12m, 45m)))),
            new PromptTier(500_000, Rates(10m, 40m)),
        ],
    };

    public static TheoryData<long, string, bool> PromptTierRows => new()
    {
        // prompt tokens (1,000 output), expected USD, long context
        { 1_000, "0.018", false },                // 1000 × 3 + 1000 × 15
        { 200_000, "0.615", false },              // exactly the threshold is not above it: 200000 × 3 + 1000 × 15
        { 200_001, "1.2225060", true },           // the whole call at the tier: 200001 × 6 + 1000 × 22.5
        { 250_000, "1.5225", true },              // 250000 × 6 + 1000 × 22.5
        { 500_000, "3.0225", true },              // 500000 × 6 + 1000 × 22.5
        { 500_001, "5.04001", true },             // the highest tier passed: 500001 × 10 + 1000 × 40
    };

    [Theory]
    [MemberData(nameof(PromptTierRows))]
    public void Cost_PromptAboveAThreshold_WholeCallAtTheHighestTierPassed(long prompt, string expected, bool longContext)
    {
        TablePrice price = Tiered.Cost(new TokenUsage(prompt, 1_000, 0, 0, 0), 0, ServiceTier.Standard);

        Assert.Equal(new TablePrice(Usd(expected), longContext, ServiceTierUnpriced: false), price);
    }

    [Fact]
    public void Cost_CacheReadsAndWritesCountTowardsThePrompt()
    {
        // 50k uncached + 100k read + 60k written = 210k: above 200k, so every token at the tier's rates:
        // 50000 × 6 + 100000 × 0.6 + 60000 × 7.5 + 1000 × 22.5 = 300000 + 60000 + 450000 + 22500
        TablePrice price = Tiered.Cost(new TokenUsage(210_000, 1_000, 100_000, 60_000, 0), 0, ServiceTier.Standard);

        Assert.Equal(new TablePrice(0.8325m, LongContext: true, ServiceTierUnpriced: false), price);
    }

    // ---------------------------------------------------------------- ModelPrice.Cost: service tiers

    public static TheoryData<long, string, string, bool, bool> ServiceTierRows => new()
    {
        // prompt tokens (1,000 output), served tier, expected USD, long context, service tier unpriced
        { 10_000, "standard", "0.045", false, false },       // 10000 × 3 + 1000 × 15
        { 10_000, "priority", "0.075", false, false },       // the base's own priority rates: 10000 × 5 + 1000 × 25
        { 10_000, "flex", "0.0225", false, false },          // the base's factor: 0.045 × 0.5
        { 10_000, "batch", "0.0225", false, false },         // the base's batch rates: 10000 × 1.5 + 1000 × 7.5
        { 250_000, "priority", "3.045", true, false },        // the tier's own priority beats the base's: 250000 × 12 + 1000 × 45
        { 250_000, "flex", "0.76125", true, false },         // the base's factor on the tier's rates: 1.5225 × 0.5
        { 250_000, "batch", "1.5225", true, true },          // base batch rates apply only below every threshold: tier standard, noted
        { 600_000, "priority", "6.04", true, true },         // the 500k tier has no priority, the base's is rates: 600000 × 10 + 1000 × 40, noted
        { 600_000, "flex", "3.02", true, false },            // the base's factor reaches every tier: 6.04 × 0.5
    };

    [Theory]
    [MemberData(nameof(ServiceTierRows))]
    public void Cost_ServedTier_RatesOfThePromptTierThenTheServiceTier(long prompt, string served, string expected, bool longContext, bool unpriced)
    {
        Assert.True(ServiceTierLabels.TryParse(served, out ServiceTier tier));

        TablePrice price = Tiered.Cost(new TokenUsage(prompt, 1_000, 0, 0, 0), 0, tier);

        Assert.Equal(new TablePrice(Usd(expected), longContext, unpriced), price);
    }

    [Fact]
    public void Cost_ServedTierTheEntryDoesNotPrice_StandardRatesAndNoted()
    {
        var entry = new ModelPrice { Name = "plain", Base = new PromptTier(0, Rates(2m, 8m)) };

        TablePrice price = entry.Cost(new TokenUsage(10_000, 1_000, 0, 0, 0), 0, ServiceTier.Priority);

        Assert.Equal(new TablePrice(0.028m, LongContext: false, ServiceTierUnpriced: true), price); // 10000 × 2 + 1000 × 8
    }

    [Fact]
    public void Cost_TierEntryWithItsOwnFactor_BeatsTheBaseFactor()
    {
        var entry = new ModelPrice
        {
            Name = "factors",
            Base = new PromptTier(0, Rates(2m, 8m), ServiceTiers(flex: ServiceTierPrice.OfFactor(0.5m))),
            Tiers = [new PromptTier(100_000, Rates(4m, 12m), ServiceTiers(flex: ServiceTierPrice.OfFactor(0.75m)))],
        };

        TablePrice price = entry.Cost(new TokenUsage(200_000, 1_000, 0, 0, 0), 0, ServiceTier.Flex);

        Assert.Equal(new TablePrice(0.609m, LongContext: true, ServiceTierUnpriced: false), price); // (200000 × 4 + 1000 × 12) × 0.75
    }

    [Fact]
    public void Cost_OneHourWritesOfALongPrompt_AtTheTiersOneHourRate()
    {
        // 300k prompt, all of it written to the cache, 100k for an hour: 200000 × 7.5 + 100000 × 12 = 2.7
        TablePrice price = Tiered.Cost(new TokenUsage(300_000, 0, 0, 300_000, 0), cacheWrite1h: 100_000, ServiceTier.Standard);

        Assert.Equal(2.7m, price.CostUsd);
    }

    [Fact]
    public void Cost_WithoutServedTier_IsTheStandardCostOfTheBase()
    {
        Assert.Equal(0.045m, Tiered.Cost(new TokenUsage(10_000, 1_000, 0, 0, 0)));
    }

    // ---------------------------------------------------------------- providers

    [Theory]
    [InlineData(null, "openai", false, true)]
    [InlineData("openai", null, false, true)]
    [InlineData("openai", "openai", false, true)]
    [InlineData("openai", "OpenAI", false, true)]
    [InlineData("openai", "azure.ai.openai", false, false)]
    [InlineData("gcp.vertex_ai", "gcp.gemini", true, true)]   // a LiteLLM entry: its provider only chooses between entries of its id
    public void MatchesProvider_EntryAndSpanProvider(string? entryProvider, string? spanProvider, bool providerOnlyChooses, bool matches)
    {
        var price = new ModelPrice { Name = "m", Provider = entryProvider, ProviderOnlyChooses = providerOnlyChooses, Base = new PromptTier(0, Flat) };

        Assert.Equal(matches, price.MatchesProvider(spanProvider));
    }
}
