namespace CpstExporter.Receiving;

/// <summary>How spans arrived: the <c>protocol</c> label of <c>cpst_received_spans_total</c>.</summary>
internal enum Protocol
{
    Grpc,
    HttpProtobuf,
    HttpJson,
}
