namespace CpstExporter.Receiving;

/// <summary>The label value of each <see cref="RequestRejection"/>, written once: <c>cpst_rejected_requests_total{reason}</c> and <c>cpst.reason</c>.</summary>
internal static class RequestRejectionLabels
{
    /// <summary>Indexed by the value.</summary>
    private static readonly string[] Values = ["malformed", "too_large", "unsupported_media_type", "unauthenticated", "overloaded", "shutting_down"];

    public static string LabelValue(this RequestRejection value) => Values[(int)value];
}
