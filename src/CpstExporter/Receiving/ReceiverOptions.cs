namespace CpstExporter.Receiving;

/// <summary>Request limits (<c>Cpst:Limits</c>).</summary>
internal sealed class ReceiverOptions
{
    /// <summary>Largest request accepted, in bytes after decompression. Default 67108864 (64 MiB).</summary>
    public int MaxRequestBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// Write requests (OTLP/gRPC, OTLP/HTTP, outcomes) processed at once; one more is refused before its body is read,
    /// with UNAVAILABLE / 503 and a retry delay, which OTLP clients retry. Bounds memory at about this many times
    /// twice <see cref="MaxRequestBytes"/>. Default 64.
    /// </summary>
    public int MaxConcurrentExports { get; set; } = 64;
}
