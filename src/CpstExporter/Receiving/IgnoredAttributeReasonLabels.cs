namespace CpstExporter.Receiving;

/// <summary>The label value of each <see cref="IgnoredAttributeReason"/>, written once: <c>cpst_ignored_attributes_total{reason}</c> and <c>cpst.reason</c>.</summary>
internal static class IgnoredAttributeReasonLabels
{
    /// <summary>Indexed by the value.</summary>
    private static readonly string[] Values = ["implausible_cost", "unknown_currency", "unknown_service_tier", "invalid_evaluation_event"];

    public static string LabelValue(this IgnoredAttributeReason value) => Values[(int)value];
}
