extern alias LoadGen;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using LoadGen::CpstExporter.LoadGen.Bench;

namespace CpstExporter.Tests.LoadGen;

/// <summary>The bench's pre-encoded requests read as intended by the exporter's own reader, with new trace ids on every send.</summary>
public sealed class BenchPayloadsTests
{
    [Fact]
    public void Stamp_ThroughputTemplate_WholeTasksWithFreshTraceIds()
    {
        PayloadTemplate template = new BenchPayloads(seed: 7).Throughput(512);
        byte[] frame = template.NewFrame();

        ulong sequence = 0;
        template.Stamp(frame, high: 0xABCD, ref sequence);
        HashSet<TraceId> first = Read(frame, template, out SpanBatch batch);
        template.Stamp(frame, high: 0xABCD, ref sequence);
        HashSet<TraceId> second = Read(frame, template, out _);

        Assert.Equal(510, template.Spans);
        Assert.Equal(85, first.Count);
        Assert.Equal(85, second.Count);
        Assert.Empty(first.Intersect(second));
        Assert.Equal(170UL, sequence);
        Assert.Equal(85, batch.Spans.ToArray().Count(s => s.IsRoot));
        // 15 attributes on every LLM span (the first span of each task), as the bench's realism claims.
        Assert.Equal(15, batch.Spans[0].AttributeCount);
    }

    [Fact]
    public void Parse_OpenMetricsWithExemplars_SumsByNameAndLabels()
    {
        const string text = """
            # TYPE cpst_received_spans counter
            cpst_received_spans_total{protocol="grpc"} 1200
            cpst_received_spans_total{protocol="http_json"} 34
            cpst_task_cost_usd_total{use_case="a",outcome="success"} 0.5 # {trace_id="5b8e"} 0.1 1700000000.000
            process_cpu_seconds_total 12.25
            # EOF
            """;

        MetricsSnapshot snapshot = MetricsSnapshot.Parse(text, 0);

        Assert.Equal(4, snapshot.SampleCount);
        Assert.Equal(1234, snapshot.Sum("cpst_received_spans_total"));
        Assert.Equal(1200, snapshot.Sum("cpst_received_spans_total", "protocol=\"grpc\""));
        Assert.Equal(0.5, snapshot.Sum("cpst_task_cost_usd_total"));
        Assert.Equal(12.25, snapshot.Sum("process_cpu_seconds_total"));
    }

    private static HashSet<TraceId> Read(byte[] frame, PayloadTemplate template, out SpanBatch batch)
    {
        batch = new SpanBatch();
        OtlpProtobufReader.Read(frame.AsSpan(PayloadTemplate.FramePrefix), batch);
        Assert.Equal(template.Spans, batch.SpanCount);
        Assert.Equal(0, batch.RejectedSpans);
        return batch.Spans.ToArray().Select(s => s.TraceId).ToHashSet();
    }
}
