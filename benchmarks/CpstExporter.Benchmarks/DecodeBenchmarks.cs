extern alias LoadGen;
using BenchmarkDotNet.Attributes;
using CpstExporter.Receiving;
using CpstExporter.Receiving.Otlp;

namespace CpstExporter.Benchmarks;

/// <summary>
/// Decoding one export request, per span: the exporter's reader into a reused <see cref="SpanBatch"/> against the
/// generated Google.Protobuf classes (the bench harness's yardstick). The reader should allocate nothing. The same
/// request with two ordinary span events on every span (an exception and a log message, as instrumentations add them)
/// measures what events cost a span that carries no evaluation.
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private byte[] _message = [];
    private byte[] _withEvents = [];
    private readonly SpanBatch _batch = new();

    [GlobalSetup]
    public void Setup()
    {
        ulong sequence = 0;
        _message = Payloads.Frame(Payloads.Template(), ref sequence)[LoadGen::CpstExporter.LoadGen.Bench.PayloadTemplate.FramePrefix..];
        var request = ExportTraceServiceRequest.Parser.ParseFrom(_message);
        foreach (Span span in request.ResourceSpans.SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans))
        {
            span.Events.Add(Event("exception", "exception.type", "System.TimeoutException"));
            span.Events.Add(Event("gen_ai.client.inference.operation.details", "gen_ai.output.type", "text"));
        }
        _withEvents = Google.Protobuf.MessageExtensions.ToByteArray(request);
    }

    private static Span.Types.Event Event(string name, string key, string value)
    {
        var result = new Span.Types.Event { Name = name, TimeUnixNano = 1_700_000_000_000_000_000UL };
        result.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { StringValue = value } });
        return result;
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

    [Benchmark(OperationsPerInvoke = Payloads.Spans)]
    public int OtlpProtobufReaderWithEvents()
    {
        _batch.Clear();
        Receiving.OtlpProtobufReader.Read(_withEvents, _batch);
        return _batch.SpanCount;
    }
}
