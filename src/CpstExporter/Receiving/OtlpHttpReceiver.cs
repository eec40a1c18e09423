using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CpstExporter.Receiving;

/// <summary>
/// OTLP/HTTP <c>POST /v1/traces</c> or, for <see cref="ExportSignal.Logs"/>, <c>POST /v1/logs</c>: protobuf or JSON,
/// optionally gzip. Answers as the OTLP specification says: 200 with (partial) success, 400 malformed, 413 too large,
/// 415 unsupported type or encoding; error bodies are a google.rpc.Status and every body uses the request's content type.
/// </summary>
/// <param name="signal">What the path receives: the reader and the response message follow it.</param>
internal sealed class OtlpHttpReceiver(ISpanBatchSink sink, SpanBatchPool pool, ReceiverOptions options, ReceiverCounters counters,
    ExportSignal signal = ExportSignal.Traces) : IWriteReceiver
{
    public const string TracesPath = "/v1/traces";
    public const string LogsPath = "/v1/logs";

    public const string ProtobufType = "application/x-protobuf";
    public const string JsonType = "application/json";

    public async Task<PooledBytes?> ReceiveAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        bool json;
        if (IsMediaType(request.ContentType, ProtobufType)) json = false;
        else if (IsMediaType(request.ContentType, JsonType)) json = true;
        else
        {
            counters.RejectedRequests.Add(RequestRejection.UnsupportedMediaType);
            await Error(context, StatusCodes.Status415UnsupportedMediaType, json: true, GrpcStatusCode.InvalidArgument,
                $"unsupported content type '{request.ContentType}': send {ProtobufType} or {JsonType}");
            return null;
        }

        string? encoding = request.Headers.ContentEncoding;
        if (!IsSupportedEncoding(request))
        {
            counters.RejectedRequests.Add(RequestRejection.UnsupportedMediaType);
            await Error(context, StatusCodes.Status415UnsupportedMediaType, json, GrpcStatusCode.InvalidArgument,
                $"unsupported content encoding '{encoding}': send gzip or no encoding");
            return null;
        }

        try
        {
            if (request.ContentLength > options.MaxRequestBytes) throw new RequestTooLargeException(options.MaxRequestBytes);
            return await BodyReader.ReadToEndAsync(request.Body, request.ContentLength, options.MaxRequestBytes, context.RequestAborted);
        }
        catch (RequestTooLargeException e)
        {
            counters.RejectedRequests.Add(RequestRejection.TooLarge);
            await Error(context, StatusCodes.Status413PayloadTooLarge, json, GrpcStatusCode.ResourceExhausted, e.Message);
            return null;
        }
    }

    public async Task ProcessAsync(HttpContext context, PooledBytes body)
    {
        bool json = IsMediaType(context.Request.ContentType, JsonType);
        SpanBatch batch = pool.Rent();
        try
        {
            if (IsGzip(context.Request))
            {
                using PooledBytes inflated = await BodyReader.GunzipAsync(body, options.MaxRequestBytes, context.RequestAborted);
                Decode(inflated.Span, batch, json);
            }
            else Decode(body.Span, batch, json);

            sink.Consume(batch);
            counters.Consumed(batch, json ? Protocol.HttpJson : Protocol.HttpProtobuf);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = json ? JsonType : ProtobufType;
            byte[] response = json ? ExportResponses.Json(batch, signal) : ExportResponses.Protobuf(batch, signal);
            context.Response.ContentLength = response.Length;
            await context.Response.Body.WriteAsync(response, context.RequestAborted);
        }
        catch (RequestTooLargeException e)
        {
            counters.RejectedRequests.Add(RequestRejection.TooLarge);
            await Error(context, StatusCodes.Status413PayloadTooLarge, json, GrpcStatusCode.ResourceExhausted, e.Message);
        }
        catch (OtlpFormatException e)
        {
            counters.RejectedRequests.Add(RequestRejection.Malformed);
            await Error(context, StatusCodes.Status400BadRequest, json, GrpcStatusCode.InvalidArgument, $"malformed OTLP {(json ? "JSON" : "protobuf")} request: {e.Message}");
        }
        finally
        {
            pool.Return(batch);
        }
    }

    /// <summary>
    /// 401 with a WWW-Authenticate challenge, or 503 with Retry-After and a RetryInfo detail; the google.rpc.Status
    /// body in the request's content type.
    /// </summary>
    public Task RefuseAsync(HttpContext context, Refusal refusal)
    {
        bool json = IsMediaType(context.Request.ContentType, JsonType);
        string message = RefusalText.Of(refusal);
        if (RefusalText.IsRetryable(refusal))
        {
            context.Response.Headers.RetryAfter = RefusalText.RetryAfterSeconds;
            return Error(context, StatusCodes.Status503ServiceUnavailable, json, GrpcStatusCode.Unavailable, message, ExportGate.RetryAfter);
        }
        context.Response.Headers.WWWAuthenticate = RefusalText.Challenge(refusal);
        return Error(context, StatusCodes.Status401Unauthorized, json, GrpcStatusCode.Unauthenticated, message);
    }

    /// <summary>gzip, identity or none: the encodings OTLP/HTTP and the outcome API take; anything else is a 415.</summary>
    internal static bool IsSupportedEncoding(HttpRequest request)
    {
        string? encoding = request.Headers.ContentEncoding;
        return IsGzip(request) || string.IsNullOrEmpty(encoding) || string.Equals(encoding, "identity", StringComparison.OrdinalIgnoreCase);
    }

    internal static bool IsGzip(HttpRequest request) => string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase);

    private void Decode(ReadOnlySpan<byte> payload, SpanBatch batch, bool json)
    {
        if (json) OtlpJsonReader.Read(payload, batch, signal);
        else OtlpProtobufReader.Read(payload, batch, signal);
    }

    internal static bool IsMediaType(string? contentType, string expected) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var parsed) &&
        parsed.MediaType.Equals(expected, StringComparison.OrdinalIgnoreCase);

    private static Task Error(HttpContext context, int httpStatus, bool json, int grpcCode, string message, TimeSpan? retryDelay = null)
    {
        context.Response.StatusCode = httpStatus;
        context.Response.ContentType = json ? JsonType : ProtobufType;
        byte[] body = json ? ExportResponses.StatusJson(grpcCode, message, retryDelay) : ExportResponses.StatusProtobuf(grpcCode, message, retryDelay);
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
