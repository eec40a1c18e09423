using BenchmarkDotNet.Attributes;
using CpstExporter.Aggregation;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Benchmarks;

/// <summary>Updating the series of an existing label set (one LLM call, one finished task) and of a folded one. None should allocate.</summary>
[MemoryDiagnoser]
public class AggregateBenchmarks
{
    private readonly FakeTimeProvider _clock = new();
    private CpstMetrics _metrics = null!;
    private readonly TokenUsage _tokens = new(12_000, 800, 6_000, 0, 0);
    private readonly TaskRecord _task = new(new TraceId(1, 2), new TaskLabels("support-bot", Outcome.Success, "gpt-5.4-mini", "prod", "prompt-a"),
        0.0105m, 3, 2, 6000, 720, new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero), FinishReason.Settled);

    [GlobalSetup]
    public void Setup()
    {
        _metrics = new CpstMetrics(2000, new Dictionary<string, UseCaseOptions>(), _clock);
        RecordLlmCall();
        TaskFinished();
        // A use case with more models than the series limit allows: its next new model is folded.
        for (int i = 0; i < 2000; i++) _metrics.RecordLlmCall("noisy-bot", "openai", $"ft:gpt-4o:{i:D4}", in _tokens, 0.00224m);
    }

    [Benchmark]
    public void RecordLlmCall() => _metrics.RecordLlmCall("support-bot", "openai", "gpt-5.4-mini", in _tokens, 0.00224m);

    [Benchmark]
    public void RecordToolCall() => _metrics.RecordToolCall("support-bot", "file_search", 0.0025m);

    [Benchmark]
    public void TaskFinished() => _metrics.TaskFinished(in _task);

    /// <summary>An update of a label set past the series limit: folded into an overflow series and counted.</summary>
    [Benchmark]
    public void RecordLlmCallFolded() => _metrics.RecordLlmCall("noisy-bot", "openai", "ft:gpt-4o:9999", in _tokens, 0.00224m);
}
