using BenchmarkDotNet.Attributes;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Benchmarks;

/// <summary>
/// The state file written and read, per task: 10,000 pending tasks of a root, an LLM call and a tool call each, as
/// agents make them (the tasks of <c>checkpoint</c>, in memory). Writing is what a checkpoint does under the task lock a
/// chunk at a time; reading is what a start does.
/// </summary>
[MemoryDiagnoser]
public class TaskStateBenchmarks
{
    private const int Tasks = 10_000;

    private TaskAssembler _assembler = null!;
    private readonly MemoryStream _output = new();
    private byte[] _file = [];

    [GlobalSetup]
    public void Setup()
    {
        _assembler = new TaskAssembler(new TaskOptions { MaxPending = Tasks + 1 }, TimeProvider.System);
        var decisions = new TaskDecisions();
        ulong spanId = 1;
        for (int t = 0; t < Tasks; t++)
        {
            var trace = new TraceId(0x0a0b0c0d, (ulong)t + 1);
            ulong root = spanId++;
            SpanFacts[] spans =
            [
                new() { TraceId = trace, SpanId = root, IsRoot = true, ServiceName = "checkout-agent", UseCase = "checkout" },
                new() { TraceId = trace, SpanId = spanId++, ParentSpanId = root, Role = SpanRole.Llm, Model = "gpt-4o", Provider = "openai",
                    Tokens = new TokenUsage(1200, 300, 0, 0, 0), ServiceName = "checkout-agent" },
                new() { TraceId = trace, SpanId = spanId++, ParentSpanId = root, Role = SpanRole.Tool, ToolName = "web_search", ServiceName = "checkout-agent" },
            ];
            _assembler.Add(spans, [new CallPrice(0m, PricingBasis.Table, ServiceTier.Standard, CallPriceNotes.None),
                new CallPrice(0.006m, PricingBasis.Table, ServiceTier.Standard, CallPriceNotes.None),
                new CallPrice(0.01m, PricingBasis.Table, ServiceTier.Standard, CallPriceNotes.None)], decisions);
            decisions.Clear();
        }
        _assembler.WriteState(_output);
        _file = _output.ToArray();
    }

    [Benchmark(OperationsPerInvoke = Tasks)]
    public long Write()
    {
        _output.Position = 0;
        _output.SetLength(0);
        _assembler.WriteState(_output);
        return _output.Length;
    }

    [Benchmark(OperationsPerInvoke = Tasks)]
    public int Read()
    {
        var (nowMs, wallNowMs) = _assembler.Clock();
        return TaskStateReader.Read(new MemoryStream(_file, writable: false), nowMs, wallNowMs).Tasks.Count;
    }
}
