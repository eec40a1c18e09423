using System.Buffers;
using CpstExporter.Receiving;
using Google.Protobuf;
using Grpc.Core;

namespace CpstExporter.Tests.Receiving;

public class ExportServiceMethodTests
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    /// <summary>The message cut into pieces of <paramref name="size"/> bytes, as Kestrel's pipe holds a large one.</summary>
    private static ReadOnlySequence<byte> InPieces(byte[] message, int size)
    {
        var first = new Segment(message.AsMemory(0, Math.Min(size, message.Length)), 0);
        Segment last = first;
        for (int offset = size; offset < message.Length; offset += size)
            last = last.Append(message.AsMemory(offset, Math.Min(size, message.Length - offset)));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private static byte[] Request() => Spans.Request("coder",
        Enumerable.Range(1, 40).Select(i => Spans.Llm(7, i + 1, "gpt-4o", 1000 + i, 10)).Append(Spans.Root(7, Spans.Attr("outcome", "success"))).ToArray()).ToByteArray();

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Decode_MessageInPieces_DecodesAsInOnePiece(int pieceSize)
    {
        byte[] message = Request();
        var pool = new SpanBatchPool();
        var whole = new SpanBatch();
        OtlpProtobufReader.Read(message, whole);

        SpanBatch batch = ExportServiceMethod.Decode(InPieces(message, pieceSize), pool);

        Assert.Equal(41, batch.SpanCount);
        Assert.Equal(Batches.Describe(whole), Batches.Describe(batch));
    }

    [Fact]
    public void Decode_Malformed_IsInvalidArgumentAndReturnsTheBatch()
    {
        var pool = new SpanBatchPool();
        byte[] garbage = [0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2];

        var e = Assert.Throws<RpcException>(() => ExportServiceMethod.Decode(InPieces(garbage, 3), pool));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("malformed OTLP protobuf request", e.Status.Detail);
        SpanBatch reused = pool.Rent();
        Assert.Equal(0, reused.SpanCount);
    }

    [Fact]
    public void Decode_OverTheDecodeBudget_IsResourceExhaustedAndReturnsTheBatch()
    {
        var pool = new SpanBatchPool();
        byte[] emptyAttributes = HostilePayloads.EmptyAttributesProtobuf(1_000_000); // 2 MB, 32 MB as records

        var e = Assert.Throws<RpcException>(() => ExportServiceMethod.Decode(InPieces(emptyAttributes, 4096), pool));

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.StartsWith("request too large once decoded", e.Status.Detail);
        Assert.Contains("Cpst:Limits:MaxRequestBytes", e.Status.Detail);
        Assert.Equal(0, pool.Rent().AttributeCount);
    }

    [Fact]
    public void Decode_Empty_IsAnEmptyBatch()
    {
        SpanBatch batch = ExportServiceMethod.Decode(ReadOnlySequence<byte>.Empty, new SpanBatchPool());
        Assert.Equal(0, batch.SpanCount);
        Assert.Equal(0, batch.RejectedSpans);
    }

    [Fact]
    public void ResponseMarshaller_Accepted_IsAnEmptyMessage()
    {
        Method<SpanBatch, ExportResult> method = ExportServiceMethod.Export(new SpanBatchPool());
        Assert.Equal("/opentelemetry.proto.collector.trace.v1.TraceService/Export", method.FullName);
        Assert.Equal(MethodType.Unary, method.Type);
        var written = new CapturedMessage();
        method.ResponseMarshaller.ContextualSerializer(ExportResult.Accepted, written);
        Assert.Empty(written.Payload!);
    }

    private sealed class CapturedMessage : SerializationContext
    {
        public byte[]? Payload { get; private set; }

        public override void Complete(byte[] payload) => Payload = payload;
    }
}
