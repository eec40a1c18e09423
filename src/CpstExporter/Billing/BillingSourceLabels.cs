namespace CpstExporter.Billing;

/// <summary>The label value of each <see cref="BillingSource"/>, written once.</summary>
internal static class BillingSourceLabels
{
    /// <summary>Indexed by the value.</summary>
    private static readonly string[] Values = ["focus", "openai", "anthropic"];

    public static string LabelValue(this BillingSource value) => Values[(int)value];
}
