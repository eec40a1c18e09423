namespace CpstExporter.Primitives;

/// <summary>A configuration value is wrong; the message names the key and what it should be.</summary>
internal sealed class CpstConfigurationException(string message) : InvalidOperationException(message)
{
    /// <summary>Throws when <paramref name="value"/>, read from <paramref name="key"/> (its full name), is 0 or less.</summary>
    public static void ThrowIfNotPositive(long value, string key)
    {
        if (value <= 0) throw new CpstConfigurationException($"{key} must be a positive number, not {value}");
    }
}
