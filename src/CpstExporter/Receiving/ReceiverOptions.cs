namespace CpstExporter.Receiving;

/// <summary>Request limits (<c>Cpst:Limits</c>).</summary>
internal sealed class ReceiverOptions
{
    /// <summary>Largest request accepted, in bytes after decompression. Default 67108864 (64 MiB).</summary>
    public int MaxRequestBytes { get; set; } = 64 * 1024 * 1024;
}
