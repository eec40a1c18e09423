using BenchmarkDotNet.Attributes;
using CpstExporter.Aggregation;
using CpstExporter.Primitives;
using CpstExporter.Tasks;

namespace CpstExporter.Benchmarks;

/// <summary>
/// Keeping a finished task in a full store of the default 10,000, as the task stage does for every task: tasks of three
/// use cases in turn, so most take the slot of another use case's oldest. Should not allocate.
/// </summary>
[MemoryDiagnoser]
public class RecentTasksBenchmarks
{
    private static readonly string[] UseCases = ["support-bot", "coder", "research"];
    private readonly TaskRecord[] _tasks = new TaskRecord[UseCases.Length];
    private RecentTasks _store = null!;
    private ulong _next;

    [GlobalSetup]
    public void Setup()
    {
        _store = new RecentTasks(new TaskOptions().RecentTasks);
        for (int i = 0; i < _tasks.Length; i++)
            _tasks[i] = new TaskRecord(default, new TaskLabels(UseCases[i], Outcome.Success, "gpt-5.4-mini", "prod", "prompt-a"),
                0.0105m, 3, 2, 6000, 720, new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero), FinishReason.Settled,
                new TaskBreakdown(1, 2, OutcomeSource.Span, 0.008m, 0.0025m, 0, 0, 0,
                    new CallShare(SpanRole.Llm, "gpt-5.4-mini", 3, 6000, 720, 0.008m), new CallShare(SpanRole.Tool, "web_search", 2, 0, 0, 0.0025m), null, 0));
        for (int i = 0; i < 2 * new TaskOptions().RecentTasks; i++) Add();
    }

    [Benchmark]
    public void Add()
    {
        ulong n = _next++;
        _store.Add(_tasks[n % (ulong)_tasks.Length] with { TraceId = new TraceId(7, n) });
    }
}
