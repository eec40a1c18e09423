using System.Globalization;
using System.Text;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Receiving;

/// <summary>
/// The gRPC answers the exporter gives besides grpc-dotnet's own: refusals decided before a call reaches grpc-dotnet
/// (trailers-only, the status in the headers), the overload refusal with its RetryInfo, and reading back how a call
/// to Export ended, so that every refused request is counted in <c>cpst_rejected_requests_total</c>. How a call ended
/// is read typed, from the <see cref="ServerCallContext.Status"/> grpc-dotnet leaves on the call
/// (<see cref="IServerCallContextFeature"/>), not from the response headers it wrote.
/// </summary>
internal static class OtlpGrpcAnswers
{
    private const string StatusHeader = "grpc-status";
    private const string MessageHeader = "grpc-message";

    /// <summary>
    /// UNAVAILABLE with a google.rpc.Status carrying a google.rpc.RetryInfo in <c>grpc-status-details-bin</c>, the
    /// delay OTLP exporters wait before they retry.
    /// </summary>
    public static RpcException Overloaded(Refusal refusal = Refusal.Overloaded)
    {
        string message = RefusalText.Of(refusal);
        var trailers = new Metadata
        {
            { "grpc-status-details-bin", ExportResponses.StatusProtobuf(GrpcStatusCode.Unavailable, message, ExportGate.RetryAfter) },
        };
        return new RpcException(new Status(StatusCode.Unavailable, message), trailers);
    }

    /// <summary>UNAUTHENTICATED, trailers-only: the call is answered before grpc-dotnet reads a byte of it.</summary>
    public static void Unauthenticated(HttpResponse response, Refusal refusal) =>
        TrailersOnly(response, StatusCode.Unauthenticated, RefusalText.Of(refusal));

    /// <summary>RESOURCE_EXHAUSTED, trailers-only: a message whose declared length is past the limit is not read.</summary>
    public static void TooLarge(HttpResponse response, string message) => TrailersOnly(response, StatusCode.ResourceExhausted, message);

    /// <summary>UNIMPLEMENTED for a request on the gRPC listener that is no call grpc-dotnet serves.</summary>
    public static void Unimplemented(HttpResponse response, string path) =>
        TrailersOnly(response, StatusCode.Unimplemented,
            $"unknown method {path}: this server implements {OtlpGrpcReceiver.ExportPath}, {OtlpGrpcReceiver.ExportLogsPath} and grpc.health.v1.Health/Check");

    /// <summary>
    /// Why a finished call to an Export method was refused, read from the status grpc-dotnet ended it with: grpc-dotnet refuses
    /// broken framing, unknown encodings and oversized messages itself, the marshaller malformed protobuf. Null for a
    /// call that succeeded, and for refusals counted where they are decided (UNAUTHENTICATED, UNAVAILABLE) or not the
    /// request's fault. A size refusal gets the message that names the limit's key, whichever check made it, unless
    /// the exporter made it (<see cref="RequestTooLargeException.ToRpcException"/>): its message names the key already.
    /// </summary>
    public static RequestRejection? Rejection(HttpContext context, int maxRequestBytes)
    {
        HttpResponse response = context.Response;
        // A unary call sends its message only when it succeeded; a refusal is trailers-only.
        if (response.HasStarted) return null;
        // grpc-dotnet refuses a content type that is not gRPC before there is a call, with HTTP 415.
        if (response.StatusCode == StatusCodes.Status415UnsupportedMediaType) return RequestRejection.UnsupportedMediaType;
        if (context.Features.Get<IServerCallContextFeature>()?.ServerCallContext.Status is not { } status) return null;
        switch (status.StatusCode)
        {
            case StatusCode.InvalidArgument: // not protobuf, or corrupt gzip
            case StatusCode.Internal:        // incomplete message, data after it, compressed without an encoding
                return RequestRejection.Malformed;
            case StatusCode.Unknown:         // framing grpc-dotnet could not read (a compressed flag other than 0 or 1)
                return context.RequestAborted.IsCancellationRequested ? null : RequestRejection.Malformed;
            case StatusCode.ResourceExhausted:
                if (status.DebugException is not RequestTooLargeException)
                    response.Headers[MessageHeader] = PercentEncode(new RequestTooLargeException(maxRequestBytes).Message);
                return RequestRejection.TooLarge;
            case StatusCode.Unimplemented:   // on Export: a grpc-encoding other than gzip
                return RequestRejection.UnsupportedMediaType;
            default:
                return null;
        }
    }

    private static void TrailersOnly(HttpResponse response, StatusCode code, string message)
    {
        response.ContentType = "application/grpc";
        response.Headers[StatusHeader] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers[MessageHeader] = PercentEncode(message);
    }

    /// <summary>grpc-message is percent-encoded: bytes outside printable ASCII, and '%' itself.</summary>
    internal static string PercentEncode(string message)
    {
        var text = new StringBuilder(message.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%') text.Append((char)b);
            else text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}
