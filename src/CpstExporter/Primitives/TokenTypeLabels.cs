namespace CpstExporter.Primitives;

/// <summary>The label value of each <see cref="TokenType"/>, written once.</summary>
internal static class TokenTypeLabels
{
    /// <summary>Indexed by the token type.</summary>
    private static readonly string[] Values = ["input", "output", "cache_read", "cache_write", "reasoning"];

    public static string LabelValue(this TokenType type) => Values[(int)type];
}
