using CpstExporter.Receiving;

namespace CpstExporter.Tests.Receiving;

public class ReceiverCountersTests
{
    [Fact]
    public void LabeledCounters_CountPerLabel()
    {
        var counters = new ReceiverCounters();

        counters.ReceivedSpans.Add(Protocol.HttpJson, 3);
        counters.ReceivedSpans.Add(Protocol.HttpJson);
        counters.RejectedSpans.Add(RejectionReason.InvalidSpanId, 2);

        Assert.Equal(4, counters.ReceivedSpans.Get(Protocol.HttpJson));
        Assert.Equal(0, counters.ReceivedSpans.Get(Protocol.Grpc));
        Assert.Equal([("grpc", 0L), ("http_protobuf", 0L), ("http_json", 4L)], counters.ReceivedSpans.Values());
        Assert.Equal(2, counters.RejectedSpans.Get(RejectionReason.InvalidSpanId));
    }

    [Fact]
    public void Counters_PastTheMaximum_StopThere()
    {
        var counters = new ReceiverCounters();

        counters.ReceivedSpans.Add(Protocol.Grpc, long.MaxValue - 1);
        counters.ReceivedSpans.Add(Protocol.Grpc, 510);
        counters.ReceivedSpans.Add(Protocol.Grpc);
        counters.ReceivedSpans.Add(Protocol.HttpJson, 2);

        Assert.Equal(long.MaxValue, counters.ReceivedSpans.Get(Protocol.Grpc));
        Assert.Equal(2, counters.ReceivedSpans.Get(Protocol.HttpJson));
    }

    [Fact]
    public void Consumed_CountsAcceptedSpansUnderTheProtocolAndEveryRefusalByReason()
    {
        var batch = new SpanBatch();
        int resource = batch.AddResource();
        for (int i = 0; i < 5; i++) batch.AddSpan(resource);
        batch.RemoveLastSpan(RejectionReason.InvalidSpanId, "reader"); // 4 decoded
        batch.Reject(RejectionReason.ImplausibleUsage, 1, "conventions");
        batch.Reject(RejectionReason.PendingLimit, 2, "tasks");
        var counters = new ReceiverCounters();

        counters.Consumed(batch, Protocol.HttpProtobuf);

        Assert.Equal(1, batch.AcceptedSpans);
        Assert.Equal([("grpc", 0L), ("http_protobuf", 1L), ("http_json", 0L)], counters.ReceivedSpans.Values());
        Assert.Equal([("invalid_trace_id", 0L), ("invalid_span_id", 1L), ("implausible_usage", 1L), ("pending_limit", 2L)], counters.RejectedSpans.Values());
    }

    [Fact]
    public void Consumed_AfterClear_CountsTheNewRequestOnly()
    {
        var batch = new SpanBatch();
        batch.AddSpan(batch.AddResource());
        batch.Reject(RejectionReason.PendingLimit, 1, "tasks");
        batch.Clear();
        batch.AddSpan(batch.AddResource());
        var counters = new ReceiverCounters();

        counters.Consumed(batch, Protocol.Grpc);

        Assert.Equal(1, counters.ReceivedSpans.Get(Protocol.Grpc));
        Assert.Equal(0, counters.RejectedSpans.Get(RejectionReason.PendingLimit));
    }
}
