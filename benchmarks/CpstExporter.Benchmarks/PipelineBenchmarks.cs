extern alias LoadGen;
using BenchmarkDotNet.Attributes;
using CpstExporter.Aggregation;
using CpstExporter.Billing;
using CpstExporter.Conventions;
using CpstExporter.Hosting;
using CpstExporter.Pricing;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using LoadGen::CpstExporter.LoadGen.Bench;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Benchmarks;

/// <summary>
/// The whole hot path of one request without the network, per span: decode, conventions, pricing, per-call metrics,
/// task assembly, and the sweep that finishes the request's tasks into the task metrics. New trace ids each time,
/// so every request makes new tasks, as in production.
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    private readonly FakeTimeProvider _clock = new();
    private PayloadTemplate _template = null!;
    private byte[] _frame = [];
    private ulong _sequence;
    private readonly SpanBatch _batch = new();
    private SpanPipeline _pipeline = null!;
    private TaskAssembler _assembler = null!;
    private TaskDecisionDelivery _delivery = null!;
    private readonly TaskDecisions _decisions = new();
    private readonly ReceiverCounters _counters = new();

    [Params(false, true)]
    public bool Ledger { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _template = Payloads.Template();
        _frame = Payloads.Frame(_template, ref _sequence);
        // With the task API's store at its default size, as the service runs.
        var options = new TaskOptions();
        var metrics = new CpstMetrics(2000, new Dictionary<string, UseCaseOptions>(), _clock);
        _assembler = new TaskAssembler(options, _clock);
        var stateFile = new TaskStateFile(options, _assembler, new IdleLifetime(), _clock, NullLogger<TaskStateFile>.Instance);
        var ledger = new TracedCostLedger(2000, _clock, metrics.Supporting, accrueWhenSaved: false, allocating: false, NullLogger<TracedCostLedger>.Instance);
        _delivery = new TaskDecisionDelivery(metrics, new RecentTasks(options.RecentTasks), stateFile, Ledger ? ledger : null);
        var prices = new PriceTableProvider(Payloads.ShippedPrices(), NullLogger<PriceTableProvider>.Instance);
        _pipeline = new SpanPipeline(new SpanFactsReader(new LabelValueCache()), new BatchPricer(prices), _assembler, _delivery, metrics);
    }

    [Benchmark(OperationsPerInvoke = Payloads.Spans)]
    public int DecodeConsumeSettle()
    {
        _template.Stamp(_frame, high: 0x0123_4567_89AB_CDEF, ref _sequence);
        _batch.Clear();
        OtlpProtobufReader.Read(_frame.AsSpan(PayloadTemplate.FramePrefix), _batch);
        _pipeline.Consume(_batch);
        _counters.Consumed(_batch, Protocol.Grpc); // as the receiver does
        _clock.Advance(TimeSpan.FromSeconds(6));
        int finished = 0;
        bool more;
        do
        {
            more = _assembler.Sweep(_decisions);
            finished += _decisions.Finished.Count;
            _delivery.Deliver(_decisions); // as the sweeper does
            _decisions.Clear();
        }
        while (more);
        return finished;
    }
}
