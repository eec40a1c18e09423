using Grpc.Core;

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

    /// <summary>
    /// RESOURCE_EXHAUSTED with this message, carrying this exception as the status's debug exception: grpc-dotnet keeps
    /// it on the call's <see cref="ServerCallContext.Status"/> and never sends it, so the refusal's origin can be read
    /// back typed (<see cref="OtlpGrpcAnswers.Rejection"/>) instead of from its text.
    /// </summary>
    public RpcException ToRpcException() => new(new Status(StatusCode.ResourceExhausted, Message, this));

    /// <summary>The spans, attributes and strings of a request would take more than <paramref name="budget"/> bytes decoded.</summary>
    public static RequestTooLargeException Decoded(long budget, int perReceivedByte) =>
        new($"request too large once decoded: its spans, attributes and strings would take more than {budget} bytes " +
            $"(at most {perReceivedByte} bytes per byte received, and twice Cpst:Limits:MaxRequestBytes); send fewer spans or attributes per request");
}
