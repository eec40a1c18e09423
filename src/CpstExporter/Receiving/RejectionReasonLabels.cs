namespace CpstExporter.Receiving;

/// <summary>The label value of each <see cref="RejectionReason"/>, written once: <c>cpst_rejected_spans_total{reason}</c> and <c>cpst.reason</c>.</summary>
internal static class RejectionReasonLabels
{
    /// <summary>Indexed by the value.</summary>
    private static readonly string[] Values = ["invalid_trace_id", "invalid_span_id", "implausible_usage", "pending_limit"];

    public static string LabelValue(this RejectionReason value) => Values[(int)value];
}
