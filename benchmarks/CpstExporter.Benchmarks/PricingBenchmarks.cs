using BenchmarkDotNet.Attributes;
using CpstExporter.Pricing;
using CpstExporter.Primitives;

namespace CpstExporter.Benchmarks;

/// <summary>
/// Pricing one LLM call the way its provider bills it, with the shipped table: the lookup (a dated id matched by pattern,
/// then cached), the entry in force at the call's end, and the cost at the prompt tier, served service tier and region.
/// A tiered priority call should cost little more than a flat one, and nothing should be allocated.
/// </summary>
[MemoryDiagnoser]
public class PricingBenchmarks
{
    private PriceTable _table = PriceTable.Empty;

    /// <summary>A call that ended on 2 November 2026.</summary>
    private const ulong EndUnixNano = 1_793_610_000_000_000_000;

    private readonly TokenUsage _short = new(12_000, 800, 6_000, 0, 0);
    private readonly TokenUsage _long = new(300_000, 2_000, 100_000, 0, 500);

    [GlobalSetup]
    public void Setup() => _table = Payloads.ShippedPrices();

    /// <summary>A short prompt at the standard tier, of a model without tiers (gpt-4o: base rates only).</summary>
    [Benchmark(Baseline = true)]
    public decimal Flat() => Price("gpt-4o-2024-08-06", "openai", in _short, 0, ServiceTier.Standard);

    /// <summary>A prompt above 272k served at priority, of a model with tiers and service tiers (gpt-5.6-sol: the long-context
    /// rates, times the priority factor).</summary>
    [Benchmark]
    public decimal TieredPriority() => Price("gpt-5.6-sol-2026-09-01", "openai", in _long, 0, ServiceTier.Priority);

    /// <summary>A Bedrock EU profile: the id without its <c>eu.</c> prefix, by the entry's pattern, times the region's factor.</summary>
    [Benchmark]
    public decimal RegionPrefixed() => Price("eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws.bedrock", in _short, 0, ServiceTier.Standard);

    private decimal Price(string model, string provider, in TokenUsage tokens, long cacheWrite1h, ServiceTier served)
    {
        PriceMatch match = _table.Find(model, provider);
        TablePrice price = match.Entries!.At(EndUnixNano)!.Cost(in tokens, cacheWrite1h, served);
        return match.RegionFactor == 1m ? price.CostUsd : Saturating.Multiply(price.CostUsd, match.RegionFactor); // as SpanPricer does
    }
}
