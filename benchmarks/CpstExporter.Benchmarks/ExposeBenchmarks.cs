using System.Globalization;
using BenchmarkDotNet.Attributes;
using CpstExporter.Aggregation;
using CpstExporter.Exposition;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Benchmarks;

/// <summary>
/// One scrape of about 1,000, 10,000 and 100,000 series (sample lines, as Prometheus counts them) into a reused
/// buffer, in each format: text 0.0.4, OpenMetrics and the Prometheus protobuf format. Made as the bench harness makes them: use cases × 10 models, one finished task and one LLM call
/// each, about 149 series per use case. Once the first scrape has encoded every label set, what a scrape allocates
/// must not grow with the number of series.
/// </summary>
[MemoryDiagnoser]
public class ExposeBenchmarks
{
    private static readonly string[] Models =
        ["gpt-5.4-mini", "gpt-5.4-nano", "gpt-5-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4o", "gpt-4o-mini", "o4-mini", "claude-haiku-4-5", "claude-sonnet-4-6"];

    private readonly ExpositionBuffer _buffer = new();
    private MetricsWriter _writer = null!;

    /// <summary>Series to make, roughly: the exposition has a few more (process and exporter metrics).</summary>
    [Params(1_000, 10_000, 100_000)]
    public int Series { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var clock = new FakeTimeProvider();
        var metrics = new CpstMetrics(Math.Max(20_000, Series), new Dictionary<string, UseCaseOptions>(), clock); // the limit raised for 100,000
        var tokens = new TokenUsage(2000, 300, 0, 0, 0);
        ulong trace = 0;
        for (int u = 0; u < Series / 149; u++)
        {
            string useCase = string.Create(CultureInfo.InvariantCulture, $"bench-{u:D5}");
            foreach (string model in Models)
            {
                metrics.RecordLlmCall(useCase, "openai", model, in tokens, 0.0025m);
                metrics.TaskFinished(new TaskRecord(new TraceId(7, ++trace), new TaskLabels(useCase, Outcome.Success, model, "prod", "none"),
                    0.0025m, 1, 0, 2000, 300, clock.GetUtcNow(), FinishReason.Settled));
            }
        }
        _writer = new MetricsWriter(metrics, new ReceiverCounters(), new ProcessMetrics(), () => "d8fcb7f72780", "0.1.0");
        _buffer.Reset();
        _writer.Write(_buffer, ExpositionFormat.Text);
        int lines = System.Text.Encoding.UTF8.GetString(_buffer.Written.Span).Split('\n').Count(l => l.Length > 0 && l[0] != '#');
        Console.WriteLine($"// {lines} series, {_buffer.Length} bytes of text");
        foreach (ExpositionFormat format in Enum.GetValues<ExpositionFormat>()) _writer.Write(_buffer, format); // every label cache filled
    }

    [Benchmark(Baseline = true)]
    public int Text()
    {
        _buffer.Reset();
        _writer.Write(_buffer, ExpositionFormat.Text);
        return _buffer.Length;
    }

    [Benchmark]
    public int OpenMetrics()
    {
        _buffer.Reset();
        _writer.Write(_buffer, ExpositionFormat.OpenMetrics);
        return _buffer.Length;
    }

    [Benchmark]
    public int Protobuf()
    {
        _buffer.Reset();
        _writer.Write(_buffer, ExpositionFormat.Protobuf);
        return _buffer.Length;
    }
}
