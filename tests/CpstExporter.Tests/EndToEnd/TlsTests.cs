using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using OpenTelemetry.Exporter;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>TLS on every listener through Kestrel's standard certificate configuration, with a certificate made in the test.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly TestCertificate _certificate = new();

    public void Dispose() => _certificate.Dispose();

    private Task<ExporterUnderTest> StartAsync() => _certificate.StartExporterAsync("OtlpGrpc", "OtlpHttp", "Metrics");

    [Fact]
    public async Task Grpc_OverTls_NegotiatesHttp2AndCountsSpans()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        Assert.Equal("https", exporter.GrpcAddress.Scheme);
        byte[] message = Spans.Request("tls-bot", Spans.Root(1, Spans.Attr("outcome", "success")), Spans.Llm(1, 2, "gpt-4o", 1000, 0)).ToByteArray();
        byte[] frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        using HttpClient client = _certificate.TrustingClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(exporter.GrpcAddress, "/opentelemetry.proto.collector.trace.v1.TraceService/Export"))
        {
            Content = new ByteArrayContent(frame),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact, // over TLS, HTTP/2 only if ALPN agreed on it
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");

        using HttpResponseMessage response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
        exporter.Settle();
        using HttpResponseMessage metrics = await client.GetAsync(new Uri(exporter.MetricsAddress, "/metrics"));
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(1m, MetricsText.Required(await metrics.Content.ReadAsStringAsync(),
            "cpst_tasks_total{use_case=\"tls-bot\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"}"));
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task SdkExporter_TrustingTheCertificate_ExportsOverTls(OtlpExportProtocol protocol)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        // The SDK reads OTEL_EXPORTER_OTLP_CERTIFICATE through IConfiguration, as it would from the environment.
        using (SdkAgent agent = SdkAgent.Start(exporter, protocol, "tls-bot",
                   sdkSettings: new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_CERTIFICATE"] = _certificate.PemPath }))
        {
            using (Activity root = agent.StartActivity("invoke_agent")) root.SetTag("outcome", "success");
            Assert.True(agent.Flush(), "the SDK could not export over TLS");
        }

        Assert.Equal(1, exporter.Tasks.PendingCount);
    }
}
