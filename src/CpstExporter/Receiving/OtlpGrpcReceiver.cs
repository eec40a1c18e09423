using Grpc.Core;

namespace CpstExporter.Receiving;

/// <summary>
/// OTLP/gRPC <c>opentelemetry.proto.collector.trace.v1.TraceService/Export</c>, served by grpc-dotnet. The request
/// arrives already decoded into a pooled <see cref="SpanBatch"/> (<see cref="TraceServiceMethod"/>), since grpc-dotnet
/// calls a unary handler only once the whole message was received; the handler runs it through the pipeline and
/// answers OK, with a partial success when spans were refused.
/// </summary>
internal sealed class OtlpGrpcReceiver(ISpanBatchSink sink, SpanBatchPool pool, ReceiverCounters counters)
{
    public const string ExportPath = "/" + TraceServiceMethod.ServiceName + "/" + TraceServiceMethod.ExportName;

    private static readonly Task<ExportResult> Accepted = Task.FromResult(ExportResult.Accepted);

    public Task<ExportResult> ExportAsync(SpanBatch batch, ServerCallContext context)
    {
        try
        {
            sink.Consume(batch);
            counters.Consumed(batch, Protocol.Grpc);
            return !batch.IsPartialSuccess ? Accepted : Task.FromResult(ExportResult.PartialSuccess(batch));
        }
        finally
        {
            pool.Return(batch);
        }
    }
}
