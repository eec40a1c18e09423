using System.Buffers.Binary;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Receiving;

/// <summary>
/// OTLP/gRPC <c>TraceService/Export</c> on HTTP/2, with the gRPC framing written here: a 5-byte prefix (compressed
/// flag, big-endian length) before the message, <c>grpc-encoding: gzip</c>, and the status in trailers, or in the
/// headers of a trailers-only response when the call fails before a message is sent.
/// </summary>
internal sealed class OtlpGrpcReceiver(ISpanBatchSink sink, SpanBatchPool pool, ReceiverOptions options, Aggregation.CpstMetrics metrics)
{
    public const string ExportPath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    public async Task HandleAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        HttpResponse response = context.Response;
        if (request.ContentType is null || !request.ContentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            metrics.RejectedRequests.Add(RequestRejection.UnsupportedMediaType);
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType; // as the gRPC HTTP/2 protocol says
            return;
        }
        response.ContentType = "application/grpc";
        response.Headers["grpc-accept-encoding"] = "identity,gzip";

        SpanBatch batch = pool.Rent();
        try
        {
            byte[] prefix = new byte[5];
            int got = await request.Body.ReadAtLeastAsync(prefix, 5, throwOnEndOfStream: false, context.RequestAborted);
            if (got < 5)
            {
                metrics.RejectedRequests.Add(RequestRejection.Malformed);
                Fail(response, GrpcStatusCode.Internal, "request has no complete gRPC message");
                return;
            }
            if (prefix[0] > 1)
            {
                metrics.RejectedRequests.Add(RequestRejection.Malformed);
                Fail(response, GrpcStatusCode.Internal, $"invalid gRPC compressed flag {prefix[0]}: must be 0 or 1");
                return;
            }
            bool compressed = prefix[0] == 1;
            uint length = BinaryPrimitives.ReadUInt32BigEndian(prefix.AsSpan(1));
            string? encoding = request.Headers["grpc-encoding"];
            if (compressed && !string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase))
            {
                // gRPC: a compressed message in an encoding the server does not support is UNIMPLEMENTED.
                bool unnamed = encoding is null or "identity";
                metrics.RejectedRequests.Add(unnamed ? RequestRejection.Malformed : RequestRejection.UnsupportedMediaType);
                Fail(response, unnamed ? GrpcStatusCode.Internal : GrpcStatusCode.Unimplemented,
                    $"message compressed with unsupported grpc-encoding '{encoding}'; this server accepts gzip");
                return;
            }
            if (length > options.MaxRequestBytes)
            {
                metrics.RejectedRequests.Add(RequestRejection.TooLarge);
                Fail(response, GrpcStatusCode.ResourceExhausted, new RequestTooLargeException(options.MaxRequestBytes).Message);
                return;
            }

            using (PooledBytes message = await BodyReader.ReadExactlyAsync(request.Body, (int)length, context.RequestAborted))
            {
                if (compressed)
                {
                    using PooledBytes inflated = await BodyReader.GunzipAsync(message, options.MaxRequestBytes, context.RequestAborted);
                    OtlpProtobufReader.Read(inflated.Span, batch);
                }
                else OtlpProtobufReader.Read(message.Span, batch);
            }

            sink.Consume(batch, Protocol.Grpc);
            byte[] body = ExportResponses.Protobuf(batch);
            byte[] frame = new byte[5 + body.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)body.Length);
            body.CopyTo(frame, 5);
            await response.Body.WriteAsync(frame, context.RequestAborted);
            response.AppendTrailer("grpc-status", "0");
        }
        catch (RequestTooLargeException e)
        {
            metrics.RejectedRequests.Add(RequestRejection.TooLarge);
            Fail(response, GrpcStatusCode.ResourceExhausted, e.Message);
        }
        catch (OtlpFormatException e)
        {
            metrics.RejectedRequests.Add(RequestRejection.Malformed);
            Fail(response, GrpcStatusCode.InvalidArgument, $"malformed OTLP protobuf request: {e.Message}");
        }
        catch (EndOfStreamException)
        {
            metrics.RejectedRequests.Add(RequestRejection.Malformed);
            Fail(response, GrpcStatusCode.Internal, "request ended before the message its prefix announced");
        }
        finally
        {
            pool.Return(batch);
        }
    }

    /// <summary>
    /// Answers a call turned away before it was read (<see cref="Refusal"/>), trailers-only: UNAUTHENTICATED, or
    /// UNAVAILABLE with a google.rpc.RetryInfo in <c>grpc-status-details-bin</c>, which OTLP exporters honour.
    /// </summary>
    public static Task RefuseAsync(HttpContext context, Refusal refusal)
    {
        HttpResponse response = context.Response;
        response.ContentType = "application/grpc";
        string message = RefusalText.Of(refusal);
        if (refusal == Refusal.Overloaded)
        {
            Fail(response, GrpcStatusCode.Unavailable, message);
            response.Headers["grpc-status-details-bin"] = ExportResponses.StatusDetailsHeader(GrpcStatusCode.Unavailable, message, ExportGate.RetryAfter);
        }
        else Fail(response, GrpcStatusCode.Unauthenticated, message);
        return Task.CompletedTask;
    }

    /// <summary>Trailers-only when nothing was sent yet (status in the headers), trailers otherwise.</summary>
    private static void Fail(HttpResponse response, int code, string message)
    {
        string status = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string encoded = PercentEncode(message);
        if (!response.HasStarted)
        {
            response.Headers["grpc-status"] = status;
            response.Headers["grpc-message"] = encoded;
        }
        else
        {
            response.AppendTrailer("grpc-status", status);
            response.AppendTrailer("grpc-message", encoded);
        }
    }

    /// <summary>grpc-message is percent-encoded: bytes outside printable ASCII, and '%' itself.</summary>
    internal static string PercentEncode(string message)
    {
        var text = new StringBuilder(message.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%') text.Append((char)b);
            else text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}
