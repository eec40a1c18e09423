using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;

namespace CpstExporter.Tests.Support;

/// <summary>Raw OTLP/gRPC calls over HTTP/2 cleartext (prior knowledge), framed by hand, and the status they answer.</summary>
internal static class GrpcCall
{
    public const string ExportPath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    public static byte[] Frame(byte[] message, bool gzip = false)
    {
        byte[] payload = message;
        if (gzip)
        {
            using var compressed = new MemoryStream();
            using (var zip = new GZipStream(compressed, CompressionLevel.Fastest)) zip.Write(message);
            payload = compressed.ToArray();
        }
        byte[] frame = new byte[5 + payload.Length];
        frame[0] = gzip ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    /// <remarks>http:// with HTTP/2 exactly is h2c with prior knowledge, as gRPC clients speak it.</remarks>
    public static HttpRequestMessage Request(Uri address, HttpContent content, string? bearer = null, bool gzip = false, string path = ExportPath)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (gzip) request.Headers.TryAddWithoutValidation("grpc-encoding", "gzip");
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return request;
    }

    /// <summary>Sends one framed message and reads the whole answer, trailers included.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, Uri address, byte[] message, string? bearer = null, bool gzip = false,
        string path = ExportPath)
    {
        using HttpRequestMessage request = Request(address, new ByteArrayContent(Frame(message, gzip)), bearer, gzip, path);
        return await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
    }

    /// <summary>grpc-status from the trailers, or from the headers of a trailers-only answer.</summary>
    public static int? Status(HttpResponseMessage response) => Header(response, "grpc-status") is { } value ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    public static string? Message(HttpResponseMessage response) => Header(response, "grpc-message") is { } value ? Uri.UnescapeDataString(value) : null;

    public static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var t) ? t.Single()
        : response.Headers.TryGetValues(name, out var h) ? h.Single() : null;
}
