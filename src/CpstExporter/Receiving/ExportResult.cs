namespace CpstExporter.Receiving;

/// <summary>
/// The answer to an OTLP/gRPC export, already encoded as an <c>ExportTraceServiceResponse</c> or
/// <c>ExportLogsServiceResponse</c>: empty when everything was taken (one shared instance, so an accepted export
/// allocates no answer; the empty message is either), a partial success otherwise.
/// </summary>
internal sealed class ExportResult
{
    private ExportResult(byte[] encoded) => Encoded = encoded;

    public static ExportResult Accepted { get; } = new([]);

    public byte[] Encoded { get; }

    public static ExportResult PartialSuccess(SpanBatch batch, ExportSignal signal = ExportSignal.Traces) => new(ExportResponses.Protobuf(batch, signal));
}
