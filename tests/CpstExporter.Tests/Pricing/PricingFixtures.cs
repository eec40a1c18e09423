using System.Globalization;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;

namespace CpstExporter.Tests.Pricing;

/// <summary>Tables and spans the pricing tests share: the shipped table, tables from YAML text, and LLM calls.</summary>
internal static class PricingFixtures
{
    public static readonly Lazy<PriceTable> ShippedTable = new(() => PriceTableLoader.Load(RepoFiles.Path("src", "CpstExporter", "pricing.yaml")));

    public static PriceTable Shipped => ShippedTable.Value;

    public static PriceTable Yaml(string text) => PriceTableLoader.Parse(text, "test.yaml");

    /// <summary>An exact decimal from its text, for TheoryData rows (attributes cannot hold decimals).</summary>
    public static decimal Usd(string text) => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>An LLM call as the conventions hand it over: subsets made subsets, as the reader does.</summary>
    public static SpanFacts Call(string model, string? provider, long input, long output, long cacheRead = 0, long cacheWrite = 0,
        long cacheWrite1h = 0, long reasoning = 0, ServiceTier tier = ServiceTier.Standard, ulong endUnixNano = 0) => new()
    {
        Role = SpanRole.Llm,
        Model = model,
        Provider = provider,
        Tokens = new TokenUsage(input, output, cacheRead, cacheWrite, reasoning).WithSubsetsIncluded(),
        CacheWrite1hTokens = cacheWrite1h,
        ServiceTier = tier,
        EndTimeUnixNano = endUnixNano,
    };

    /// <summary>Prices one span at a fixed "now" (the test clock's start) with the given exchange rates.</summary>
    public static CallPrice Price(PriceTable table, in SpanFacts span, ExchangeRates? rates = null) =>
        SpanPricer.Price(table, rates ?? ExchangeRates.UsdOnly, in span, UnixNano(TestClock.Start));

    public static ulong UnixNano(DateTimeOffset instant) => (ulong)(instant - DateTimeOffset.UnixEpoch).Ticks * 100;
}
