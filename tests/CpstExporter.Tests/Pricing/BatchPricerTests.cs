using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using Microsoft.Extensions.Logging.Abstractions;

namespace CpstExporter.Tests.Pricing;

/// <summary>How a span's cost is decided (DESIGN.md §3, §4): its own cost, else the table, else a library's estimate, else 0.</summary>
public sealed class BatchPricerTests
{
    private static readonly BatchPricer Pricer = new(new PriceTableProvider(PriceTableLoader.Parse("""
        models:
          - name: gpt-4o
            input: 2.50
            output: 10.00
        tools:
          - name: web_search
            per_call: 0.01
        """, "test.yaml"), NullLogger<PriceTableProvider>.Instance));

    private static SpanFacts Llm(string model, long input, long output, decimal? callCost = null, decimal? estimate = null) => new()
    {
        Role = SpanRole.Llm, Model = model, Tokens = new TokenUsage(input, output, 0, 0, 0), CallCost = callCost, CostEstimate = estimate,
    };

    private static SpanFacts Tool(string name, decimal? estimate = null) => new() { Role = SpanRole.Tool, ToolName = name, CostEstimate = estimate };

    private static readonly Dictionary<string, (SpanFacts Span, CallPrice Expected)> Cases = new()
    {
        ["table"] = (Llm("gpt-4o", 1_000_000, 100_000), new CallPrice(3.5m, Unpriced: false)),
        ["own cost beats the table"] = (Llm("gpt-4o", 1_000_000, 0, callCost: 0.25m), new CallPrice(0.25m, false)),
        ["table beats the estimate"] = (Llm("gpt-4o", 1_000_000, 0, estimate: 9m), new CallPrice(2.5m, false)),
        ["estimate where the table has no price"] = (Llm("mystery", 1000, 10, estimate: 0.002m), new CallPrice(0.002m, false)),
        ["no price, tokens: unpriced"] = (Llm("mystery", 1000, 10), new CallPrice(0m, Unpriced: true)),
        ["no price, no tokens: free"] = (Llm("mystery", 0, 0), new CallPrice(0m, false)),
        ["tool from the table"] = (Tool("web_search"), new CallPrice(0.01m, false)),
        ["tool without a price: its estimate"] = (Tool("calculator", estimate: 0.001m), new CallPrice(0.001m, false)),
        ["tool without either"] = (Tool("calculator"), new CallPrice(0m, false)),
        ["neither call: only its own cost"] = (new SpanFacts { Role = SpanRole.Other, Model = "gpt-4o", CallCost = 1.5m }, new CallPrice(1.5m, false)),
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
        CallPrice untouched = new(42m, true);
        CallPrice[] costs = [untouched, untouched, untouched, untouched];

        Pricer.Price(spans, costs);

        Assert.Equal([new CallPrice(2.5m, false), new CallPrice(0.01m, false), new CallPrice(0m, true), untouched], costs);
    }
}
