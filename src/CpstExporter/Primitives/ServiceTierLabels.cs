namespace CpstExporter.Primitives;

/// <summary>The label value of each <see cref="ServiceTier"/>, written once.</summary>
internal static class ServiceTierLabels
{
    public const int Count = 4;

    /// <summary>Indexed by the tier.</summary>
    private static readonly string[] Values = ["standard", "batch", "flex", "priority"];

    public static string LabelValue(this ServiceTier tier) => Values[(int)tier];

    /// <summary>The tier of a label value as written in a price file (<c>service_tiers:</c> keys) or the state file.</summary>
    public static bool TryParse(string? value, out ServiceTier tier)
    {
        int at = Array.FindIndex(Values, v => string.Equals(v, value, StringComparison.OrdinalIgnoreCase));
        tier = at < 0 ? ServiceTier.Standard : (ServiceTier)at;
        return at >= 0;
    }
}
