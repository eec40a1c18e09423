extern alias LoadGen;
using BenchmarkDotNet.Attributes;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using LoadGen::CpstExporter.LoadGen.Bench;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Benchmarks;

/// <summary>
/// Task assembly per span in steady state: the spans of one request (85 new tasks, each with its outcome) are added,
/// then the clock passes the settle time and the sweep finishes them, as the service does every second. What is
/// allocated per span here is the pending task itself, shared by the six spans of its task.
/// </summary>
[MemoryDiagnoser]
public class AssembleBenchmarks
{
    private readonly FakeTimeProvider _clock = new();
    private TaskAssembler _assembler = null!;
    private readonly TaskDecisions _decisions = new();
    private SpanFacts[] _facts = [];
    private TraceId[] _traceIds = [];
    private CallPrice[] _costs = [];
    private ulong _round;

    [GlobalSetup]
    public void Setup()
    {
        PayloadTemplate template = Payloads.Template();
        ulong sequence = 0;
        var batch = new SpanBatch();
        OtlpProtobufReader.Read(Payloads.Frame(template, ref sequence).AsSpan(PayloadTemplate.FramePrefix), batch);
        var reader = new SpanFactsReader(new LabelValueCache());
        ResourceFacts resource = reader.ReadResource(batch, batch.Resources[0]);
        _facts = batch.Spans.ToArray().Select(s => reader.Read(batch, in s, in resource)).ToArray();
        _traceIds = _facts.Select(f => f.TraceId).ToArray();
        var prices = Payloads.ShippedPrices();
        _costs = _facts.Select(f => SpanPricer.Price(prices, ExchangeRates.UsdOnly, in f, 0)).ToArray();
        _assembler = new TaskAssembler(new TaskOptions(), _clock);
    }

    [Benchmark(OperationsPerInvoke = Payloads.Spans)]
    public int AddAndSettle()
    {
        ulong round = ++_round;
        for (int i = 0; i < _facts.Length; i++) _facts[i].TraceId = new TraceId(_traceIds[i].High ^ round, _traceIds[i].Low);
        _assembler.Add(_facts, _costs, _decisions);
        _clock.Advance(TimeSpan.FromSeconds(6));
        while (_assembler.Sweep(_decisions))
        {
        }
        int finished = _decisions.Finished.Count;
        // What is done with the decisions is not measured here; the breakdowns' arrays go back as the recent-task store lets them.
        foreach (TaskRecord task in _decisions.Finished) task.Breakdown?.ReturnCalls();
        _decisions.Clear();
        return finished;
    }
}
