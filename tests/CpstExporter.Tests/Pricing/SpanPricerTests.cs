using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using static CpstExporter.Tests.Pricing.PricingFixtures;

namespace CpstExporter.Tests.Pricing;

/// <summary>
/// One call priced the way its provider bills it (docs/pricing.md): the shipped table's long-context tiers, service
/// tiers, 1-hour cache writes and region factors to the last digit, and the order of the rules: <c>cpst.cost_usd</c>,
/// then a provider-reported cost, then the table (the entry in force when the call ended), then a library's estimate.
/// </summary>
public class SpanPricerTests
{
    public static TheoryData<string, string?, long, long, long, long, string, string, string> ShippedCalls => new()
    {
        // model, provider, input (prompt), cache writes, of which 1-hour, output, served tier, expected USD, basis
        // Claude Sonnet 4.5 above 200k: the whole call at 6 / 22.5: 250000 × 6 + 1000 × 22.5
        { "claude-sonnet-4-5", "anthropic", 250_000, 0, 0, 1_000, "standard", "1.5225", "table_long_context" },
        // exactly 200k is not above it: 200000 × 3 + 1000 × 15
        { "claude-sonnet-4-5", "anthropic", 200_000, 0, 0, 1_000, "standard", "0.615", "table" },
        // GPT-5 priority at its own rates: 10000 × 2.50 + 2000 × 20
        { "gpt-5", "openai", 10_000, 0, 0, 2_000, "priority", "0.065", "table" },
        // GPT-5 flex at half the standard: (10000 × 1.25 + 2000 × 10) × 0.5
        { "gpt-5", "openai", 10_000, 0, 0, 2_000, "flex", "0.01625", "table" },
        { "gpt-5-2025-08-07", "openai", 10_000, 0, 0, 2_000, "standard", "0.0325", "table" },
        // 1-hour cache writes: 500 × 3 + 100000 × 6 + 1000 × 15
        { "claude-sonnet-4-5-20250929", "anthropic", 100_500, 100_000, 100_000, 1_000, "standard", "0.6165", "table" },
        // the same writes kept 5 minutes: 500 × 3 + 100000 × 3.75 + 1000 × 15
        { "claude-sonnet-4-5-20250929", "anthropic", 100_500, 100_000, 0, 1_000, "standard", "0.3915", "table" },
        // a Bedrock EU profile: 10% on the list price: (10000 × 3 + 1000 × 15) × 1.10
        { "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws.bedrock", 10_000, 0, 0, 1_000, "standard", "0.0495", "table" },
        // a global profile is the list price: the entry's pattern takes the whole id
        { "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws.bedrock", 10_000, 0, 0, 1_000, "standard", "0.045", "table" },
        // GPT-5.4 flex above 272k: the long-context tier's own flex rates: 300000 × 2.50 + 1000 × 11.25
        { "gpt-5.4", "openai", 300_000, 0, 0, 1_000, "flex", "0.76125", "table_long_context" },
        // Claude batch: the base factor on the long-context rates: (250000 × 6 + 1000 × 22.5) × 0.5
        { "claude-sonnet-4-5", "anthropic", 250_000, 0, 0, 1_000, "batch", "0.76125", "table_long_context" },
    };

    [Theory]
    [MemberData(nameof(ShippedCalls))]
    public void Price_ShippedTable_AsTheProviderBills(string model, string? provider, long input, long cacheWrite, long cacheWrite1h, long output,
        string served, string expected, string basis)
    {
        Assert.True(ServiceTierLabels.TryParse(served, out ServiceTier tier));
        Assert.True(PricingBasisLabels.TryParse(basis, out PricingBasis expectedBasis));

        CallPrice price = Price(Shipped, Call(model, provider, input, output, cacheWrite: cacheWrite, cacheWrite1h: cacheWrite1h, tier: tier));

        Assert.Equal(new CallPrice(Usd(expected), expectedBasis, tier, CallPriceNotes.None), price);
    }

    [Fact]
    public void Price_PriorityAboveEveryThresholdWithOnlyBaseRates_StandardLongContextRatesAndNoted()
    {
        // GPT-5.4's priority rates are published for prompts up to 272k only: 300000 × 5 + 1000 × 22.5 at standard.
        CallPrice price = Price(Shipped, Call("gpt-5.4", "openai", 300_000, 1_000, tier: ServiceTier.Priority));

        Assert.Equal(new CallPrice(1.5225m, PricingBasis.TableLongContext, ServiceTier.Priority, CallPriceNotes.ServiceTierUnpriced), price);
        Assert.True(price.ServiceTierUnpriced);
    }

    [Fact]
    public void Price_ServedTierTheEntryDoesNotPrice_StandardRatesAndNoted()
    {
        // gpt-5-nano has no priority: 10000 × 0.05 + 1000 × 0.40
        CallPrice price = Price(Shipped, Call("gpt-5-nano", "openai", 10_000, 1_000, tier: ServiceTier.Priority));

        Assert.Equal(new CallPrice(0.0009m, PricingBasis.Table, ServiceTier.Priority, CallPriceNotes.ServiceTierUnpriced), price);
    }

    // ---------------------------------------------------------------- effective dates

    private static readonly DateTimeOffset PriceChange = new(2026, 12, 15, 0, 0, 0, TimeSpan.Zero);

    private static readonly PriceTable Dated = Yaml("""
        models:
          - name: dated
            input: 1.00
            output: 2.00
          - name: dated
            input: 3.00
            output: 4.00
            effective_from: 2026-12-15T00:00:00Z
        """);

    public static TheoryData<long, string> AroundThePriceChange => new()
    {
        // nanoseconds from the instant the new price takes effect, expected USD for 1M input tokens
        { -86_400_000_000_000, "1" },
        { -1, "1" },             // one tick before: the old price
        { 0, "3" },              // at the instant: the new one
        { 1, "3" },
    };

    [Theory]
    [MemberData(nameof(AroundThePriceChange))]
    public void Price_PriceChangeAtAnInstant_TheEntryInForceWhenTheCallEnded(long offsetNanos, string expected)
    {
        ulong end = (ulong)((long)UnixNano(PriceChange) + offsetNanos);

        CallPrice price = Price(Dated, Call("dated", null, 1_000_000, 0, endUnixNano: end));

        Assert.Equal(Usd(expected), price.CostUsd);
    }

    [Fact]
    public void Price_CallWithoutAnEndTime_PricedAtNow()
    {
        SpanFacts call = Call("dated", null, 1_000_000, 0);

        Assert.Equal(1m, SpanPricer.Price(Dated, ExchangeRates.UsdOnly, in call, UnixNano(PriceChange) - 1).CostUsd);
        Assert.Equal(3m, SpanPricer.Price(Dated, ExchangeRates.UsdOnly, in call, UnixNano(PriceChange)).CostUsd);
    }

    [Fact]
    public void Price_CallBeforeTheFirstDatedEntry_IsUnpriced()
    {
        PriceTable onlyLater = Yaml("models:\n  - name: later\n    input: 1\n    output: 1\n    effective_from: 2026-12-15\n");

        CallPrice price = Price(onlyLater, Call("later", null, 1_000, 0, endUnixNano: UnixNano(PriceChange) - 1));

        Assert.Equal(new CallPrice(0m, PricingBasis.Unpriced, ServiceTier.Standard, CallPriceNotes.UnpricedTokens), price);
    }

    // ---------------------------------------------------------------- what beats the table

    private static readonly PriceTable Small = Yaml("""
        models:
          - name: gpt-4o
            input: 2.50
            output: 10.00
        """);

    private static readonly ExchangeRates Euro = new(new Dictionary<string, decimal> { ["EUR"] = 1.08m });

    private static SpanFacts Reported(string model, decimal amount, string? currency, bool byProvider, decimal? callCost = null, decimal? estimate = null)
    {
        SpanFacts span = Call(model, "openai", 10_000, 1_000); // gpt-4o: 10000 × 2.50 + 1000 × 10 = 0.035
        span.ReportedCost = amount;
        span.ReportedCostCurrency = currency;
        span.ReportedByProvider = byProvider;
        span.CallCost = callCost;
        span.CostEstimate = estimate;
        return span;
    }

    public static TheoryData<string, string, string?, bool, string, string, bool> ReportedCosts => new()
    {
        // model, amount, currency, source provider, expected USD, basis, unknown currency
        { "gpt-4o", "0.50", "EUR", true, "0.54", "provider_reported", false },           // 0.50 EUR × 1.08 USD/EUR
        { "gpt-4o", "0.50", "eur", true, "0.54", "provider_reported", false },           // codes in any case
        { "gpt-4o", "0.031", null, true, "0.031", "provider_reported", false },          // no currency: USD
        { "gpt-4o", "0.031", "USD", true, "0.031", "provider_reported", false },
        { "gpt-4o", "0.50", "JPY", true, "0.035", "table", true },                       // no rate: ignored, the table prices it
        { "mystery", "0.50", "JPY", true, "0", "unpriced", true },                       // ignored, and nothing else prices it
        { "gpt-4o", "0.02", null, false, "0.035", "table", false },                      // source local: the table wins
        { "mystery", "0.02", null, false, "0.02", "library_estimate", false },           // local, where the table has no price
        { "mystery", "0.50", "EUR", false, "0.54", "library_estimate", false },          // a local estimate converted too
    };

    [Theory]
    [MemberData(nameof(ReportedCosts))]
    public void Price_CostTheSpanReports_ProviderBeatsTheTableWhichBeatsAnEstimate(string model, string amount, string? currency, bool byProvider,
        string expected, string basis, bool unknownCurrency)
    {
        Assert.True(PricingBasisLabels.TryParse(basis, out PricingBasis expectedBasis));

        CallPrice price = Price(Small, Reported(model, Usd(amount), currency, byProvider), Euro);

        Assert.Equal(Usd(expected), price.CostUsd);
        Assert.Equal(expectedBasis, price.Basis);
        Assert.Equal(unknownCurrency, price.UnknownCurrency);
    }

    [Fact]
    public void Price_ExplicitCost_BeatsEverything()
    {
        CallPrice price = Price(Small, Reported("gpt-4o", 0.50m, null, byProvider: true, callCost: 0.25m, estimate: 0.9m));

        Assert.Equal(new CallPrice(0.25m, PricingBasis.Explicit, ServiceTier.Standard, CallPriceNotes.None), price);
    }

    [Fact]
    public void Price_LibraryEstimateBesideALocalAmount_TheEstimateAttributeWins()
    {
        // gen_ai.usage.cost is the library's estimate already; a local gen_ai.usage.cost.amount only stands in for it.
        CallPrice price = Price(Small, Reported("mystery", 0.02m, null, byProvider: false, estimate: 0.03m));

        Assert.Equal(new CallPrice(0.03m, PricingBasis.LibraryEstimate, ServiceTier.Standard, CallPriceNotes.None), price);
    }

    [Fact]
    public void Price_UnknownModelWithTokens_UnpricedAndNoted_WithoutTokens_Free()
    {
        Assert.Equal(new CallPrice(0m, PricingBasis.Unpriced, ServiceTier.Standard, CallPriceNotes.UnpricedTokens),
            Price(Small, Call("mystery", null, 10, 1)));
        Assert.Equal(new CallPrice(0m, PricingBasis.Unpriced, ServiceTier.Standard, CallPriceNotes.None),
            Price(Small, Call("mystery", null, 0, 0)));
    }

    // ---------------------------------------------------------------- regions

    private static readonly PriceTable Regional = Yaml("""
        models:
          - name: anthropic.claude-x
            pattern: '^anthropic\.claude-x(-v\d+)?$'
            input: 3.00
            output: 15.00
            service_tiers:
              priority: {input: 5.00, output: 25.00}
              flex: {factor: 0.5}
          - name: eu.anthropic.claude-x-special
            input: 4.00
            output: 20.00
          - name: apac-anthropic-claude-x
            pattern: '^apac\.anthropic\.claude-x-v9$'
            input: 1.00
            output: 1.00
        regions:
          - prefix: "eu."
            factor: 1.10
          - prefix: "apac."
            factor: 1.20
        """);

    public static TheoryData<string, string, string> RegionCalls => new()
    {
        // model, served tier, expected USD for 10,000 in / 1,000 out
        { "anthropic.claude-x", "standard", "0.045" },              // 10000 × 3 + 1000 × 15
        { "eu.anthropic.claude-x", "standard", "0.0495" },          // × 1.10
        { "EU.anthropic.claude-x-v2", "standard", "0.0495" },       // the prefix in any case, the rest by the entry's pattern
        { "eu.anthropic.claude-x", "priority", "0.0825" },          // the service tier's rates, then the region: (10000 × 5 + 1000 × 25) × 1.10
        { "eu.anthropic.claude-x", "flex", "0.02475" },             // the service tier's factor, then the region: 0.045 × 0.5 × 1.10
        { "apac.anthropic.claude-x", "standard", "0.054" },         // × 1.20
        { "eu.anthropic.claude-x-special", "standard", "0.06" },    // an entry for the whole id wins: 10000 × 4 + 1000 × 20, no factor
        { "apac.anthropic.claude-x-v9", "standard", "0.011" },      // so does a pattern for the whole id: 10000 × 1 + 1000 × 1
    };

    [Theory]
    [MemberData(nameof(RegionCalls))]
    public void Price_RegionPrefix_FactorAfterTheServiceTierUnlessAnEntryNamesTheWholeId(string model, string served, string expected)
    {
        Assert.True(ServiceTierLabels.TryParse(served, out ServiceTier tier));

        CallPrice price = Price(Regional, Call(model, "aws.bedrock", 10_000, 1_000, tier: tier));

        Assert.Equal(new CallPrice(Usd(expected), PricingBasis.Table, tier, CallPriceNotes.None), price);
    }

    [Theory]
    [InlineData("eu.")]
    [InlineData("eu.unknown-model")]
    [InlineData("us.anthropic.claude-x")]   // a prefix the table does not list
    public void Price_RegionPrefixOfNothingPriced_IsUnpriced(string model)
    {
        Assert.True(Price(Regional, Call(model, null, 10, 1)).Unpriced);
    }

    // ---------------------------------------------------------------- lookups

    [Fact]
    public void Find_PatternMatch_CachedPerModelAndProvider()
    {
        PriceTable table = Yaml("""
            models:
              - name: claude-y
                pattern: '^claude-y(-\d{8})?$'
                input: 1
                output: 2
            """);

        PriceMatch first = table.Find("claude-y-20260101", "anthropic");

        Assert.True(table.IsCached("claude-y-20260101", "anthropic"));
        Assert.False(table.IsCached("claude-y-20260101", "aws.bedrock"));
        Assert.False(table.IsCached("claude-y-20260101", null));
        PriceMatch again = table.Find("claude-y-20260101", "anthropic");
        Assert.Same(first.Entries, again.Entries);
        Assert.Equal("claude-y", again.Entries!.Name);
        Assert.Equal(1m, again.RegionFactor);
    }
}
