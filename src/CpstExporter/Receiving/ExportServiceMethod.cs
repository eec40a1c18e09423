using System.Buffers;
using Grpc.Core;

namespace CpstExporter.Receiving;

/// <summary>
/// The OTLP <c>TraceService/Export</c> and <c>LogsService/Export</c> methods declared by hand, with marshallers over the
/// exporter's own protobuf reader instead of the generated message classes: grpc-dotnet hands the received message over
/// as a <see cref="ReadOnlySequence{T}"/>, which <see cref="OtlpProtobufReader"/> decodes straight into a pooled
/// <see cref="SpanBatch"/>, allocating nothing per span. A message that is not valid protobuf is INVALID_ARGUMENT; one
/// whose records would overdraw the batch's decode budget is RESOURCE_EXHAUSTED, as too large.
/// </summary>
internal static class ExportServiceMethod
{
    public const string TraceServiceName = "opentelemetry.proto.collector.trace.v1.TraceService";
    public const string LogsServiceName = "opentelemetry.proto.collector.logs.v1.LogsService";
    public const string ExportName = "Export";

    public static string ServiceName(ExportSignal signal) => signal == ExportSignal.Logs ? LogsServiceName : TraceServiceName;

    public static Method<SpanBatch, ExportResult> Export(SpanBatchPool pool, ExportSignal signal = ExportSignal.Traces) => new(
        MethodType.Unary,
        ServiceName(signal),
        ExportName,
        new Marshaller<SpanBatch>(
            static (_, _) => throw new NotSupportedException("the exporter only receives export requests"),
            context => Decode(context.PayloadAsReadOnlySequence(), pool, signal)),
        new Marshaller<ExportResult>(
            static (result, context) => context.Complete(result.Encoded),
            static _ => throw new NotSupportedException("the exporter only sends export responses")));

    internal static SpanBatch Decode(ReadOnlySequence<byte> payload, SpanBatchPool pool, ExportSignal signal = ExportSignal.Traces)
    {
        SpanBatch batch = pool.Rent();
        try
        {
            if (payload.IsSingleSegment)
            {
                OtlpProtobufReader.Read(payload.FirstSpan, batch, signal);
                return batch;
            }
            // Kestrel's pipe holds a large message in blocks of a few KiB; the reader wants it in one piece.
            int length = checked((int)payload.Length);
            byte[] joined = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                payload.CopyTo(joined);
                OtlpProtobufReader.Read(joined.AsSpan(0, length), batch, signal);
            }
            finally
            {
                PooledBytes.Return(joined);
            }
            return batch;
        }
        catch (OtlpFormatException e)
        {
            pool.Return(batch);
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"malformed OTLP protobuf request: {e.Message}"));
        }
        catch (RequestTooLargeException e)
        {
            pool.Return(batch);
            throw e.ToRpcException();
        }
    }
}
