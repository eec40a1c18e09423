namespace CpstExporter.Pricing;

/// <summary>The label value of each <see cref="PricingBasis"/>, written once.</summary>
internal static class PricingBasisLabels
{
    public const int Count = 6;

    /// <summary>Indexed by the basis.</summary>
    private static readonly string[] Values = ["table", "table_long_context", "provider_reported", "explicit", "library_estimate", "unpriced"];

    public static string LabelValue(this PricingBasis basis) => Values[(int)basis];

    /// <summary>The basis of a label value, as the state file writes it.</summary>
    public static bool TryParse(string? value, out PricingBasis basis)
    {
        int at = Array.IndexOf(Values, value);
        basis = at < 0 ? PricingBasis.Unpriced : (PricingBasis)at;
        return at >= 0;
    }
}
