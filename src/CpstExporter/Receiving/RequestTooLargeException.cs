namespace CpstExporter.Receiving;

/// <summary>The request, after decompression, is larger than <c>Cpst:Limits:MaxRequestBytes</c>.</summary>
internal sealed class RequestTooLargeException(long limit)
    : Exception($"request larger than the limit of {limit} bytes (after decompression); send smaller batches or raise Cpst:Limits:MaxRequestBytes");
