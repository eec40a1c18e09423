using System.Net;
using System.Net.Http.Headers;

namespace CpstExporter.LoadGen.Bench;

/// <summary>
/// One HTTP/2 cleartext connection (prior knowledge) calling <c>TraceService/Export</c> with frames the caller has
/// already encoded, so that the harness measures the exporter and not a client library. The gRPC status is read
/// from the trailers, or from the headers of a trailers-only answer.
/// </summary>
internal sealed class GrpcExportClient : IDisposable
{
    public const string ExportPath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    private const int GrpcUnknown = 2;
    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");

    private readonly HttpClient _http;
    private readonly Uri _uri;

    public GrpcExportClient(Uri endpoint)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        _uri = new Uri(endpoint, ExportPath);
    }

    /// <summary>Sends one framed message; returns the gRPC status code (0 is OK) and message.</summary>
    public async Task<(int Status, string? Message)> ExportAsync(byte[] frame, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = GrpcContentType;
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancel).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK) return (GrpcUnknown, $"HTTP {(int)response.StatusCode}");
        string? status = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
        string? message = Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message");
        return (int.TryParse(status, System.Globalization.CultureInfo.InvariantCulture, out int code) ? code : GrpcUnknown, message);
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;

    public void Dispose() => _http.Dispose();
}
