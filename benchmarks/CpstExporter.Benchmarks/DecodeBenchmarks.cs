extern alias LoadGen;
using BenchmarkDotNet.Attributes;
using CpstExporter.Receiving;
using CpstExporter.Receiving.Otlp;

namespace CpstExporter.Benchmarks;

/// <summary>
/// Decoding one export request, per span: the exporter's reader into a reused <see cref="SpanBatch"/> against the
/// generated Google.Protobuf classes (the bench harness's yardstick). The reader should allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private byte[] _message = [];
    private readonly SpanBatch _batch = new();

    [GlobalSetup]
    public void Setup()
    {
        ulong sequence = 0;
        _message = Payloads.Frame(Payloads.Template(), ref sequence)[LoadGen::CpstExporter.LoadGen.Bench.PayloadTemplate.FramePrefix..];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Payloads.Spans)]
    public object GoogleProtobuf() => ExportTraceServiceRequest.Parser.ParseFrom(_message);

    [Benchmark(OperationsPerInvoke = Payloads.Spans)]
    public int OtlpProtobufReader()
    {
        _batch.Clear();
        Receiving.OtlpProtobufReader.Read(_message, _batch);
        return _batch.SpanCount;
    }
}
