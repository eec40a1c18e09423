using BenchmarkDotNet.Attributes;
using CpstExporter.Pricing;
using CpstExporter.Primitives;

namespace CpstExporter.Benchmarks;

/// <summary>Pricing one call with the shipped table: a lookup (exact name, or a dated id matched by pattern and cached) and the cost.</summary>
[MemoryDiagnoser]
public class PriceBenchmarks
{
    private PriceTable _table = PriceTable.Empty;
    private readonly TokenUsage _tokens = new(12_000, 800, 6_000, 0, 0);

    [GlobalSetup]
    public void Setup() => _table = Payloads.ShippedPrices();

    [Benchmark(Baseline = true)]
    public decimal ExactName() => _table.FindModel("claude-sonnet-4-6", "anthropic")!.Cost(in _tokens);

    [Benchmark]
    public decimal DatedIdByPattern() => _table.FindModel("gpt-4o-2024-08-06", "openai")!.Cost(in _tokens);

    [Benchmark]
    public decimal Tool() => _table.FindTool("web_search") ?? 0m;
}
