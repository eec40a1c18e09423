using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

/// <summary>Request limits (<c>Cpst:Limits</c>).</summary>
internal sealed class ReceiverOptions
{
    /// <summary>The section below <c>Cpst</c> these options are bound from, one key per settable property, beside other parts' limits.</summary>
    public const string Section = "Limits";

    /// <summary>Largest request accepted, in bytes after decompression. Default 67108864 (64 MiB).</summary>
    public int MaxRequestBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// Received write requests (OTLP/gRPC, OTLP/HTTP, outcomes) processed at once. A request takes a place once it was
    /// received whole, so uploads in progress hold none; one that finds every place taken is refused with
    /// UNAVAILABLE / 503 and a retry delay, which OTLP clients retry. Default 64.
    /// </summary>
    public int MaxConcurrentExports { get; set; } = 64;

    /// <summary>Throws <see cref="CpstConfigurationException"/> naming the first key out of its range.</summary>
    public void Validate()
    {
        CpstConfigurationException.ThrowIfNotPositive(MaxRequestBytes, Key(nameof(MaxRequestBytes)));
        CpstConfigurationException.ThrowIfNotPositive(MaxConcurrentExports, Key(nameof(MaxConcurrentExports)));
    }

    /// <summary>The full name of a key of this section, as an error names it.</summary>
    private static string Key(string property) => $"Cpst:{Section}:{property}";
}
