using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Pricing;

/// <summary>How a request's spans are priced (docs/pricing.md): its own cost, else the table, else a library's estimate, else 0.</summary>
public sealed class BatchPricerTests
{
    private static readonly PriceTable Table = PriceTableLoader.Parse("""
        models:
          - name: gpt-4o
            input: 2.50
            output: 10.00
          - name: gpt-4o
            input: 5.00
            output: 20.00
            effective_from: 2026-12-01T00:00:00Z
        tools:
          - name: web_search
            per_call: 0.01
        """, "test.yaml");

    private static readonly BatchPricer Pricer = new(new PriceTableProvider(Table, NullLogger<PriceTableProvider>.Instance));

    /// <summary>Ends before the December price, so the table's first gpt-4o entry prices it.</summary>
    private static readonly ulong November = (ulong)(TestClock.Start - DateTimeOffset.UnixEpoch).Ticks * 100;

    private static SpanFacts Llm(string model, long input, long output, decimal? callCost = null, decimal? estimate = null) => new()
    {
        Role = SpanRole.Llm, Model = model, Tokens = new TokenUsage(input, output, 0, 0, 0), CallCost = callCost, CostEstimate = estimate,
        EndTimeUnixNano = November,
    };

    private static SpanFacts Tool(string name, decimal? estimate = null) => new() { Role = SpanRole.Tool, ToolName = name, CostEstimate = estimate };

    private static CallPrice Expect(decimal cost, PricingBasis basis, CallPriceNotes notes = CallPriceNotes.None) =>
        new(cost, basis, ServiceTier.Standard, notes);

    private static readonly Dictionary<string, (SpanFacts Span, CallPrice Expected)> Cases = new()
    {
        ["table"] = (Llm("gpt-4o", 1_000_000, 100_000), Expect(3.5m, PricingBasis.Table)),
        ["own cost beats the table"] = (Llm("gpt-4o", 1_000_000, 0, callCost: 0.25m), Expect(0.25m, PricingBasis.Explicit)),
        ["table beats the estimate"] = (Llm("gpt-4o", 1_000_000, 0, estimate: 9m), Expect(2.5m, PricingBasis.Table)),
        ["estimate where the table has no price"] = (Llm("mystery", 1000, 10, estimate: 0.002m), Expect(0.002m, PricingBasis.LibraryEstimate)),
        ["no price, tokens: unpriced"] = (Llm("mystery", 1000, 10), Expect(0m, PricingBasis.Unpriced, CallPriceNotes.UnpricedTokens)),
        ["no price, no tokens: free"] = (Llm("mystery", 0, 0), Expect(0m, PricingBasis.Unpriced)),
        ["tool from the table"] = (Tool("web_search"), Expect(0.01m, PricingBasis.Table)),
        ["tool without a price: its estimate"] = (Tool("calculator", estimate: 0.001m), Expect(0.001m, PricingBasis.LibraryEstimate)),
        ["tool without either"] = (Tool("calculator"), Expect(0m, PricingBasis.Unpriced)),
        ["neither call: only its own cost"] = (new SpanFacts { Role = SpanRole.Other, Model = "gpt-4o", CallCost = 1.5m }, Expect(1.5m, PricingBasis.Explicit)),
        ["neither call without a cost: nothing"] = (new SpanFacts { Role = SpanRole.Other, Model = "gpt-4o", Tokens = new TokenUsage(5, 5, 0, 0, 0) }, default),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Price_OneSpan_AsThePolicySays(string why)
    {
        var (span, expected) = Cases[why];
        var costs = new CallPrice[1];

        Pricer.Price([span], costs);

        Assert.Equal(expected, costs[0]);
    }

    [Fact]
    public void Price_ABatch_WritesOnePriceEachInOrderAndLeavesTheRestOfTheBuffer()
    {
        SpanFacts[] spans = [Llm("gpt-4o", 1_000_000, 0), Tool("web_search"), Llm("mystery", 10, 1)];
        CallPrice untouched = Expect(42m, PricingBasis.Explicit);
        CallPrice[] costs = [untouched, untouched, untouched, untouched];

        Pricer.Price(spans, costs);

        Assert.Equal([Expect(2.5m, PricingBasis.Table), Expect(0.01m, PricingBasis.Table), Expect(0m, PricingBasis.Unpriced, CallPriceNotes.UnpricedTokens), untouched], costs);
    }

    [Fact]
    public void Price_CostsInACurrencyWithoutARate_ReturnsHowManyToCount()
    {
        var pricer = new BatchPricer(new PriceTableProvider(Table, NullLogger<PriceTableProvider>.Instance),
            new ExchangeRates(new Dictionary<string, decimal> { ["EUR"] = 1.08m }), new FakeTimeProvider(TestClock.Start));
        SpanFacts Reported(string currency, bool byProvider)
        {
            SpanFacts span = Llm("gpt-4o", 1_000_000, 0);
            span.ReportedCost = 2m;
            span.ReportedCostCurrency = currency;
            span.ReportedByProvider = byProvider;
            return span;
        }
        SpanFacts[] spans = [Reported("JPY", true), Reported("EUR", true), Reported("GBP", false), Llm("gpt-4o", 1_000_000, 0)];
        var costs = new CallPrice[4];

        int unknown = pricer.Price(spans, costs);

        Assert.Equal(2, unknown);
        Assert.Equal(
            [
                Expect(2.5m, PricingBasis.Table, CallPriceNotes.UnknownCurrency),
                Expect(2.16m, PricingBasis.ProviderReported),
                Expect(2.5m, PricingBasis.Table, CallPriceNotes.UnknownCurrency),
                Expect(2.5m, PricingBasis.Table),
            ], costs);
    }

    [Fact]
    public void Price_SpanWithoutAnEndTime_PricedByTheEntryInForceOnTheClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 23, 59, 59, TimeSpan.Zero));
        var pricer = new BatchPricer(new PriceTableProvider(Table, NullLogger<PriceTableProvider>.Instance), ExchangeRates.UsdOnly, clock);
        SpanFacts span = Llm("gpt-4o", 1_000_000, 0);
        span.EndTimeUnixNano = 0;
        var costs = new CallPrice[1];

        pricer.Price([span], costs);
        Assert.Equal(2.5m, costs[0].CostUsd);

        clock.Advance(TimeSpan.FromSeconds(1)); // 1 December: the new price
        pricer.Price([span], costs);
        Assert.Equal(5m, costs[0].CostUsd);
    }
}
