using System.Net;
using System.Net.Http.Headers;
using CpstExporter.Receiving;
using Google.Protobuf;

namespace CpstExporter.Tests.Hosting;

/// <summary>
/// Which paths answer on which listener, and how the others are refused: 404 with <c>not found</c> on the HTTP
/// listeners, 405 with the allowed method for a known path asked with another one, UNIMPLEMENTED for anything on the
/// gRPC listener that is not a call it serves. Paths are matched as spelled: another case or a trailing slash is
/// another path.
/// </summary>
public sealed class ListenerRoutesTests(ListenerRoutesTests.Exporter exporter) : IClassFixture<ListenerRoutesTests.Exporter>
{
    private const string MetricsToken = "metrics-token-0123456789abcdef";
    private const string WriteToken = "write-token-0123456789abcdef";
    private static readonly HttpClient Client = new();

    /// <summary>One instance for every case, with tokens on the metrics listener so that auth is part of the route.</summary>
    public sealed class Exporter : IAsyncLifetime
    {
        internal ExporterUnderTest Instance { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Instance = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Auth:MetricsTokens:0"] = MetricsToken });

        public async Task DisposeAsync() => await Instance.DisposeAsync();
    }

    /// <summary>Listener, method, path → status, body (null: not checked), Allow header (null: none).</summary>
    public static TheoryData<string, string, string, int, string?, string?> HttpAnswers => new()
    {
        // OTLP/HTTP: the three write paths, POST only.
        { "OtlpHttp", "POST", "/v1/traces", 200, null, null },
        { "OtlpHttp", "POST", "/v1/logs", 200, null, null },
        { "OtlpHttp", "GET", "/v1/logs", 405, "use POST\n", "POST" },
        { "OtlpHttp", "POST", "/v1/logs/", 404, "not found\n", null },
        { "OtlpHttp", "POST", "/v1/outcomes", 415, null, null },
        { "OtlpHttp", "GET", "/v1/traces", 405, "use POST\n", "POST" },
        { "OtlpHttp", "PUT", "/v1/outcomes", 405, "use POST\n", "POST" },
        { "OtlpHttp", "DELETE", "/v1/traces", 405, "use POST\n", "POST" },
        { "OtlpHttp", "POST", "/V1/TRACES", 404, "not found\n", null },
        { "OtlpHttp", "POST", "/v1/traces/", 404, "not found\n", null },
        { "OtlpHttp", "POST", "/v1/metrics", 404, "not found\n", null },
        { "OtlpHttp", "GET", "/", 404, "not found\n", null },
        { "OtlpHttp", "GET", "/metrics", 404, "not found\n", null },
        { "OtlpHttp", "GET", "/healthz", 404, "not found\n", null },
        { "OtlpHttp", "GET", "/api/v1/tasks", 404, "not found\n", null },
        { "OtlpHttp", "POST", "/opentelemetry.proto.collector.trace.v1.TraceService/Export", 404, "not found\n", null },
        // Metrics: the scrape and the task API, GET only and behind the metrics tokens; the probes, open, any method.
        { "Metrics", "GET", "/metrics", 401, null, null },
        { "Metrics", "POST", "/metrics", 405, "use GET\n", "GET" },
        { "Metrics", "HEAD", "/metrics", 405, null, "GET" },
        { "Metrics", "GET", "/METRICS", 404, "not found\n", null },
        { "Metrics", "GET", "/metrics/", 404, "not found\n", null },
        { "Metrics", "GET", "/api/v1/tasks", 401, null, null },
        { "Metrics", "GET", "/api/v1/use_cases", 401, null, null },
        { "Metrics", "GET", "/api/v1/tasks/4bf92f3577b34da6a3ce929d0e0e4736", 401, null, null },
        { "Metrics", "POST", "/api/v1/tasks", 405, "use GET\n", "GET" },
        { "Metrics", "DELETE", "/api/v1/tasks/4bf92f3577b34da6a3ce929d0e0e4736", 405, "use GET\n", "GET" },
        { "Metrics", "PUT", "/api/v1/use_cases", 405, "use GET\n", "GET" },
        { "Metrics", "GET", "/api/v1/TASKS", 404, "not found\n", null },
        { "Metrics", "GET", "/api/v1/use_cases/", 404, "not found\n", null },
        { "Metrics", "GET", "/api/v1", 404, "not found\n", null },
        { "Metrics", "GET", "/healthz", 200, "ok\n", null },
        { "Metrics", "POST", "/healthz", 200, "ok\n", null },
        { "Metrics", "GET", "/readyz", 200, "ready\n", null },
        { "Metrics", "DELETE", "/readyz", 200, "ready\n", null },
        { "Metrics", "GET", "/HEALTHZ", 404, "not found\n", null },
        { "Metrics", "POST", "/v1/traces", 404, "not found\n", null },
        { "Metrics", "GET", "/", 404, "not found\n", null },
        { "Metrics", "GET", "/favicon.ico", 404, "not found\n", null },
    };

    [Theory]
    [MemberData(nameof(HttpAnswers))]
    public async Task HttpListener_AnswersAsRouted(string listener, string method, string path, int status, string? body, string? allow)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(Address(listener), path));
        if (method == "POST") request.Content = new ByteArrayContent([]) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-protobuf") } };

        using HttpResponseMessage response = await Client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        if (body is not null)
        {
            Assert.Equal(body, await response.Content.ReadAsStringAsync());
            Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        }
        Assert.Equal(allow, response.Content.Headers.Allow.Count == 0 ? null : string.Join(", ", response.Content.Headers.Allow));
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/api/v1/tasks")]
    [InlineData("/api/v1/use_cases")]
    public async Task MetricsListener_WithToken_Answers(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(exporter.Instance.MetricsAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MetricsToken);

        using HttpResponseMessage response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task MetricsListener_TaskOfAnotherShape_IsTheTaskApisBadRequest()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(exporter.Instance.MetricsAddress, "/api/v1/tasks/"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MetricsToken);

        using HttpResponseMessage response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is not a trace id", await response.Content.ReadAsStringAsync());
    }

    /// <summary>Method, path, content type → HTTP status, grpc-status (null: none).</summary>
    public static TheoryData<string, string, string, int, int?> GrpcAnswers => new()
    {
        { "POST", "/opentelemetry.proto.collector.trace.v1.TraceService/Export", "application/grpc", 200, 0 },
        { "POST", "/grpc.health.v1.Health/Check", "application/grpc", 200, 0 },
        { "POST", "/opentelemetry.proto.collector.trace.v1.TraceService/Other", "application/grpc", 200, 12 },
        { "POST", "/opentelemetry.proto.collector.logs.v1.LogsService/Export", "application/grpc", 200, 0 },
        { "POST", "/opentelemetry.proto.collector.logs.v1.LogsService/Other", "application/grpc", 200, 12 },
        { "POST", "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", "application/grpc", 200, 12 },
        { "POST", "/v1/traces", "application/x-protobuf", 200, 12 },
        { "POST", "/v1/traces", "application/grpc", 200, 12 },
        { "POST", "/opentelemetry.proto.collector.trace.v1.TraceService/Export", "application/x-protobuf", 415, 13 },
        { "GET", "/metrics", "application/grpc", 200, 12 },
        { "GET", "/healthz", "application/grpc", 200, 12 },
        { "GET", "/grpc.health.v1.Health/Check", "application/grpc", 200, 12 },
        { "GET", "/", "application/grpc", 200, 12 },
    };

    [Theory]
    [MemberData(nameof(GrpcAnswers))]
    public async Task GrpcListener_AnswersAsRouted(string method, string path, string contentType, int status, int? grpcStatus)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(exporter.Instance.GrpcAddress, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (method == "POST") request.Content = new ByteArrayContent(GrpcCall.Frame([])) { Headers = { ContentType = new MediaTypeHeaderValue(contentType) } };
        request.Headers.TryAddWithoutValidation("te", "trailers");

        using HttpResponseMessage response = await Client.SendAsync(request, HttpCompletionOption.ResponseContentRead);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(grpcStatus, GrpcCall.Status(response));
    }

    /// <summary>
    /// Routing matches a path to Export ignoring case and a trailing slash; the token is asked of the call routing chose,
    /// so no spelling of the path gets past it.
    /// </summary>
    [Theory]
    [InlineData("/opentelemetry.proto.collector.trace.v1.TraceService/Export")]
    [InlineData("/OPENTELEMETRY.PROTO.COLLECTOR.TRACE.V1.TRACESERVICE/EXPORT")]
    [InlineData("/opentelemetry.proto.collector.trace.v1.TraceService/Export/")]
    public async Task GrpcExport_HoweverItsPathIsSpelled_NeedsAToken(string path)
    {
        await using ExporterUnderTest secured = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Auth:Tokens:0"] = WriteToken });
        byte[] request = Spans.Request("coder", Spans.Root(7, Spans.Attr("outcome", "success"))).ToByteArray();

        using HttpResponseMessage refused = await GrpcCall.SendAsync(Client, secured.GrpcAddress, request, path: path);
        using HttpResponseMessage accepted = await GrpcCall.SendAsync(Client, secured.GrpcAddress, request, bearer: WriteToken, path: path);

        Assert.Equal(16, GrpcCall.Status(refused)); // UNAUTHENTICATED
        Assert.Equal(1, secured.Receiving.RejectedRequests.Get(RequestRejection.Unauthenticated));
        Assert.Equal(0, GrpcCall.Status(accepted));
        Assert.Equal(1, secured.Tasks.PendingCount);
    }

    private Uri Address(string listener) => listener switch
    {
        "OtlpHttp" => exporter.Instance.HttpAddress,
        "Metrics" => exporter.Instance.MetricsAddress,
        _ => exporter.Instance.GrpcAddress,
    };
}
