namespace CpstExporter.Receiving;

/// <summary>
/// The request is too large: after decompression larger than <c>Cpst:Limits:MaxRequestBytes</c>, or, decoded, larger
/// than its budget (<see cref="SpanBatch"/>). Answered as HTTP 413 / gRPC RESOURCE_EXHAUSTED.
/// </summary>
internal sealed class RequestTooLargeException : Exception
{
    public RequestTooLargeException(long limit)
        : base($"request larger than the limit of {limit} bytes (after decompression); send smaller batches or raise Cpst:Limits:MaxRequestBytes")
    {
    }

    private RequestTooLargeException(string message) : base(message)
    {
    }

    /// <summary>The spans, attributes and strings of a request would take more than <paramref name="budget"/> bytes decoded.</summary>
    public static RequestTooLargeException Decoded(long budget, int perReceivedByte) =>
        new($"request too large once decoded: its spans, attributes and strings would take more than {budget} bytes " +
            $"(at most {perReceivedByte} bytes per byte received, and twice Cpst:Limits:MaxRequestBytes); send fewer spans or attributes per request");
}
