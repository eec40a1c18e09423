using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CpstExporter.Aggregation;
using CpstExporter.Exposition;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using Microsoft.Extensions.Time.Testing;
using Prom = Prometheus;

namespace CpstExporter.Benchmarks;

/// <summary>
/// One scrape of the same ~10,000 series written by the exporter's <see cref="MetricsWriter"/> and by prometheus-net
/// 8.2.1's <c>CollectorRegistry</c>, in Prometheus text and in OpenMetrics with exemplars, each into a reused
/// <see cref="MemoryStream"/> (the exporter's writer fills its pooled buffer, which is then copied to the stream as
/// <see cref="MetricsEndpoint"/> copies it to the response). Both are fed the same finished tasks, LLM calls and tool
/// calls: the exporter through <see cref="CpstMetrics"/>, prometheus-net through counters and a histogram created with
/// the contract's names and labels, with <c>trace_id</c> exemplars passed to <c>Inc</c> and <c>Observe</c> on the task
/// cost counter and the cost histogram only. The set-up scrapes each once and refuses to run if the two expositions
/// differ in samples or exemplars per metric name, or in the values they add up to.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ExpositionLibraryBenchmarks
{
    private static readonly (string Name, string Provider)[] Models =
    [
        ("gpt-5.4-mini", "openai"), ("gpt-5.4-nano", "openai"), ("gpt-5-mini", "openai"), ("gpt-4.1", "openai"),
        ("gpt-4.1-mini", "openai"), ("gpt-4o", "openai"), ("gpt-4o-mini", "openai"), ("o4-mini", "openai"),
        ("claude-haiku-4-5", "anthropic"), ("claude-sonnet-4-6", "anthropic"),
    ];

    private static readonly string[] Tools = ["web_search", "code_interpreter"];

    /// <summary>
    /// Samples one use case makes: 12 task label sets (10 models succeeding, 2 of them also failing) × 6 task samples
    /// (4 counters, tokens × 2 types), 2 histograms × 19 (16 bounds, +Inf, _sum, _count), 10 LLM label sets × 7 (calls,
    /// 5 token types, cost), 2 tools × 2 (calls, cost).
    /// </summary>
    public const int SamplesPerUseCase = 12 * 6 + 2 * 19 + 10 * 7 + 2 * 2;

    private readonly ExpositionBuffer _buffer = new();
    private readonly MemoryStream _stream = new(4 << 20);
    private MetricsWriter _writer = null!;
    private Prom.CollectorRegistry _registry = null!;

    /// <summary>Series to make at least, counted as Prometheus counts them (sample lines), the exporter's own included.</summary>
    [Params(10_000)]
    public int Series { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var clock = new FakeTimeProvider();
        var metrics = new CpstMetrics(20_000, new Dictionary<string, UseCaseOptions>(), clock);
        var mirror = new PrometheusNetMetrics(metrics);
        int useCases = (Series + SamplesPerUseCase - 1) / SamplesPerUseCase;
        ulong trace = 0;
        for (int u = 0; u < useCases; u++)
        {
            string useCase = string.Create(CultureInfo.InvariantCulture, $"bench-{u:D5}");
            for (int m = 0; m < Models.Length; m++)
            {
                // Costs from a fraction of a cent to a few cents, in micro-dollars, so the tasks land in several buckets.
                decimal callCost = 0.000350m * (m + 1) * (m + 1) + 0.000001m * u;
                var tokens = new TokenUsage(1_800 + 40 * m, 250 + 5 * m, 600, 0, m % 3 == 0 ? 120 : 0);
                metrics.RecordLlmCall(useCase, Models[m].Provider, Models[m].Name, in tokens, callCost);
                mirror.RecordLlmCall(useCase, Models[m].Provider, Models[m].Name, in tokens, callCost);

                foreach (Outcome outcome in m < 2 ? [Outcome.Success, Outcome.Failure] : new[] { Outcome.Success })
                {
                    var task = new TaskRecord(new TraceId(0x4bf92f3577b34da6, ++trace), new TaskLabels(useCase, outcome, Models[m].Name, "prod", "none"),
                        callCost + 0.0025m, 1, 1, tokens.Input, tokens.Output, clock.GetUtcNow(), FinishReason.Settled);
                    metrics.TaskFinished(in task);
                    mirror.TaskFinished(in task);
                    clock.Advance(TimeSpan.FromSeconds(0.25));
                }
            }
            foreach (string tool in Tools)
            {
                metrics.RecordToolCall(useCase, tool, 0.0025m);
                mirror.RecordToolCall(useCase, tool, 0.0025m);
            }
        }
        const string version = "0.1.0", pricingVersion = "d8fcb7f72780";
        var receiving = new ReceiverCounters();
        _writer = new MetricsWriter(metrics, receiving, new ProcessMetrics(), () => pricingVersion, version);
        mirror.MirrorSelfMetrics(version, pricingVersion, receiving);
        _registry = mirror.Registry;

        foreach (var (format, promFormat) in new[] { (ExpositionFormat.Text, Prom.ExpositionFormat.PrometheusText), (ExpositionFormat.OpenMetrics, Prom.ExpositionFormat.OpenMetricsText) })
        {
            WriteOurs(format);
            string ours = Encoding.UTF8.GetString(_stream.GetBuffer(), 0, (int)_stream.Length);
            WritePrometheusNet(promFormat).GetAwaiter().GetResult();
            string theirs = Encoding.UTF8.GetString(_stream.GetBuffer(), 0, (int)_stream.Length);
            Console.WriteLine($"// {format}: {ExpositionSummary.Check(ours, theirs)}");
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Text")]
    public long OursText() => WriteOurs(ExpositionFormat.Text);

    [Benchmark, BenchmarkCategory("Text")]
    public Task PrometheusNetText() => WritePrometheusNet(Prom.ExpositionFormat.PrometheusText);

    [Benchmark(Baseline = true), BenchmarkCategory("OpenMetrics")]
    public long OursOpenMetrics() => WriteOurs(ExpositionFormat.OpenMetrics);

    [Benchmark, BenchmarkCategory("OpenMetrics")]
    public Task PrometheusNetOpenMetrics() => WritePrometheusNet(Prom.ExpositionFormat.OpenMetricsText);

    private long WriteOurs(ExpositionFormat format)
    {
        _buffer.Reset();
        _writer.Write(_buffer, format);
        _stream.Position = 0;
        _stream.SetLength(0);
        _stream.Write(_buffer.Written.Span);
        return _stream.Length;
    }

    private Task WritePrometheusNet(Prom.ExpositionFormat format)
    {
        _stream.Position = 0;
        _stream.SetLength(0);
        return _registry.CollectAndExportAsTextAsync(_stream, format);
    }
}
