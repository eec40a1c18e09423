using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CpstExporter.Receiving.Rpc;
using Status = CpstExporter.Receiving.Rpc.Status;
using CpstExporter.Tests.Support;
using Google.Protobuf;
using OpenTelemetry.Exporter;
using Xunit;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Backpressure: when <c>Cpst:Limits:MaxConcurrentExports</c> requests are in flight the next one is refused before its
/// body is read, with UNAVAILABLE + RetryInfo / 503 + Retry-After, and counted; requests that got in finish. The gate
/// is held by the test itself (or by a request whose body the test holds back), never by timing.
/// </summary>
public sealed class OverloadTests
{
    private static readonly HttpClient Client = new();

    private static byte[] OneTask(int trace) => Spans.Request("busy", Spans.Root(trace, Spans.Attr("outcome", "success")), Spans.Llm(trace, 2, "gpt-4o", 1000, 0)).ToByteArray();

    private static void Fill(ExporterUnderTest exporter)
    {
        for (int i = 0; i < exporter.Gate.Capacity; i++) Assert.True(exporter.Gate.TryEnter());
    }

    private static void Drain(ExporterUnderTest exporter)
    {
        for (int i = 0; i < exporter.Gate.Capacity; i++) exporter.Gate.Exit();
    }

    [Fact]
    public async Task Grpc_GateFull_AnswersUnavailableWithRetryInfo()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Limits:MaxConcurrentExports"] = "3" });
        Fill(exporter);

        using HttpResponseMessage refused = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, OneTask(1));

        Assert.Equal(14, GrpcCall.Status(refused));
        string details = GrpcCall.Header(refused, "grpc-status-details-bin")!;
        Assert.DoesNotContain("=", details); // gRPC binary metadata: base64 without padding
        Status status = Status.Parser.ParseFrom(Convert.FromBase64String(details.PadRight((details.Length + 3) / 4 * 4, '=')));
        Assert.Equal(14, status.Code);
        Assert.Equal(GrpcCall.Message(refused), status.Message);
        RetryInfo retry = Assert.Single(status.Details).Unpack<RetryInfo>();
        Assert.Equal(TimeSpan.FromSeconds(1), retry.RetryDelay.ToTimeSpan());

        Drain(exporter);
        using HttpResponseMessage accepted = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, OneTask(1));
        Assert.Equal(0, GrpcCall.Status(accepted));
        Assert.Equal(1, exporter.Tasks.PendingCount);
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"overloaded\"}"));
    }

    [Theory]
    [InlineData("application/x-protobuf")]
    [InlineData("application/json")]
    public async Task HttpTraces_GateFull_Answers503WithRetryAfter(string contentType)
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        Fill(exporter);
        byte[] body = contentType == "application/json" ? Encoding.UTF8.GetBytes(HttpReceiverTests.ReadmeTrace) : OneTask(1);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);

        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        if (contentType == "application/json")
        {
            Assert.Contains("\"retryDelay\":\"1s\"", await response.Content.ReadAsStringAsync());
        }
        else
        {
            Status status = Status.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(14, status.Code);
            Assert.Equal(TimeSpan.FromSeconds(1), Assert.Single(status.Details).Unpack<RetryInfo>().RetryDelay.ToTimeSpan());
        }
        Assert.Equal(0, exporter.Tasks.PendingCount);
        Drain(exporter);
    }

    [Fact]
    public async Task Outcomes_GateFull_Answers503WithRetryAfter()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        Fill(exporter);
        var content = new StringContent($$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(5)}}","outcome":"success"}]}""", Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/outcomes"), content);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Drain(exporter);
    }

    [Fact]
    public async Task HttpTraces_GateFull_RefusesBeforeReadingTheBody()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        Fill(exporter);

        // Headers announce 1,000,000 bytes; ten are sent. An answer now was decided without reading the body.
        string head = await RawHttp.SendHeadAsync(exporter.HttpAddress,
            "POST /v1/traces HTTP/1.1\r\nHost: exporter\r\nContent-Type: application/x-protobuf\r\nContent-Length: 1000000\r\n\r\n", new byte[10]);

        Assert.StartsWith("HTTP/1.1 503", head);
        Assert.Contains("Retry-After: 1", head);
        Drain(exporter);
    }

    [Fact]
    public async Task Grpc_GateFull_RefusesBeforeReadingTheMessage()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        Fill(exporter);
        var held = new HeldContent(GrpcCall.Frame(OneTask(1)), firstPart: 3); // not even the whole 5-byte prefix

        using HttpRequestMessage request = GrpcCall.Request(exporter.GrpcAddress, held);
        using HttpResponseMessage response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        held.Release();

        Assert.Equal(14, GrpcCall.Status(response));
        Drain(exporter);
    }

    [Fact]
    public async Task Export_AcceptedWhileGateFills_IsProcessedFully()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Limits:MaxConcurrentExports"] = "1" });
        byte[] body = OneTask(1);
        var held = new HeldContent(body, firstPart: 10);
        held.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        Task<HttpResponseMessage> first = Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), held);
        await Poll.UntilAsync(() => exporter.Gate.InFlight == 1, "the first request to enter the gate");

        using HttpResponseMessage second = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, OneTask(2));
        held.Release();
        using HttpResponseMessage firstResponse = await first;

        Assert.Equal(14, GrpcCall.Status(second));
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal(0, exporter.Gate.InFlight);
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(1m, MetricsText.Required(metrics, "cpst_tasks_total{use_case=\"busy\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"}"));
        Assert.Equal(2m, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"http_protobuf\"}"));
        Assert.Equal(1m, MetricsText.Required(metrics, "cpst_rejected_requests_total{reason=\"overloaded\"}"));
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task SdkExporter_RefusedWhileBusy_RetriesAndIsCountedOnce(OtlpExportProtocol protocol)
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        Fill(exporter);
        // The .NET SDK retries UNAVAILABLE / 503 with the server's delay when this is set (its default is not to retry);
        // other SDKs and the Collector retry by default.
        using (SdkAgent agent = SdkAgent.Start(exporter, protocol, "busy",
                   sdkSettings: new Dictionary<string, string?> { ["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory" }))
        {
            using (Activity root = agent.StartActivity("invoke_agent")) root.SetTag("outcome", "success");
            Task<bool> flushing = Task.Run(() => agent.Flush(60_000));
            await Poll.UntilAsync(() => exporter.Metrics.RejectedRequests.Get(global::CpstExporter.Receiving.RequestRejection.Overloaded) >= 1,
                "the SDK's first attempt to be refused");
            Drain(exporter);
            Assert.True(await flushing, "the SDK gave up instead of retrying");
        }

        Assert.Equal(1, exporter.Tasks.PendingCount);
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), $"cpst_received_spans_total{{protocol=\"{(protocol == OtlpExportProtocol.Grpc ? "grpc" : "http_protobuf")}\"}}"));
    }
}
