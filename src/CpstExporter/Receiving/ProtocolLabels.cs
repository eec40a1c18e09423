namespace CpstExporter.Receiving;

/// <summary>The label value of each <see cref="Protocol"/>, written once: <c>cpst_received_spans_total{protocol}</c> and <c>cpst.protocol</c>.</summary>
internal static class ProtocolLabels
{
    /// <summary>Indexed by the value.</summary>
    private static readonly string[] Values = ["grpc", "http_protobuf", "http_json"];

    public static string LabelValue(this Protocol value) => Values[(int)value];
}
