using Grpc.Core;

namespace CpstExporter.Receiving;

/// <summary>
/// OTLP/gRPC <c>opentelemetry.proto.collector.trace.v1.TraceService/Export</c> and
/// <c>opentelemetry.proto.collector.logs.v1.LogsService/Export</c>, served by grpc-dotnet. The request arrives already
/// decoded into a pooled <see cref="SpanBatch"/> (<see cref="ExportServiceMethod"/>), since grpc-dotnet calls a unary
/// handler only once the whole message was received; the handler runs it through the pipeline and answers OK, with a
/// partial success when spans were refused or evaluation events ignored.
/// </summary>
internal sealed class OtlpGrpcReceiver(ISpanBatchSink sink, SpanBatchPool pool, ReceiverCounters counters)
{
    public const string ExportPath = "/" + ExportServiceMethod.TraceServiceName + "/" + ExportServiceMethod.ExportName;
    public const string ExportLogsPath = "/" + ExportServiceMethod.LogsServiceName + "/" + ExportServiceMethod.ExportName;

    private static readonly Task<ExportResult> Accepted = Task.FromResult(ExportResult.Accepted);

    /// <summary>Whether <paramref name="fullName"/> (<c>/service/method</c>) is one of the Export methods served here.</summary>
    public static bool IsExport(string? fullName) => fullName is ExportPath or ExportLogsPath;

    public Task<ExportResult> ExportAsync(SpanBatch batch, ServerCallContext context) => Export(batch, ExportSignal.Traces);

    public Task<ExportResult> ExportLogsAsync(SpanBatch batch, ServerCallContext context) => Export(batch, ExportSignal.Logs);

    private Task<ExportResult> Export(SpanBatch batch, ExportSignal signal)
    {
        try
        {
            sink.Consume(batch);
            counters.Consumed(batch, Protocol.Grpc);
            return !batch.IsPartialSuccess ? Accepted : Task.FromResult(ExportResult.PartialSuccess(batch, signal));
        }
        finally
        {
            pool.Return(batch);
        }
    }
}
