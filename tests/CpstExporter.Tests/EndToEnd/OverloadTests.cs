using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CpstExporter.Receiving.Rpc;
using Status = CpstExporter.Receiving.Rpc.Status;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using OpenTelemetry.Exporter;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Backpressure: when <c>Cpst:Limits:MaxConcurrentExports</c> received requests are being processed the next one is
/// refused once it was received, with UNAVAILABLE + RetryInfo / 503 + Retry-After, and counted; requests that got in
/// finish. Requests still uploading hold no place, so slow clients cannot starve the others. The gate is held by the
/// test itself, never by timing.
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
        using GrpcChannel channel = GrpcClient.Channel(exporter.GrpcAddress);
        Fill(exporter);

        var refused = await Assert.ThrowsAsync<RpcException>(() => GrpcClient.ExportAsync(channel, OneTask(1)));

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        // As OTLP exporters read it: a google.rpc.Status in grpc-status-details-bin, with a RetryInfo detail.
        byte[] details = refused.Trailers.GetValueBytes("grpc-status-details-bin")!;
        Status status = Status.Parser.ParseFrom(details);
        Assert.Equal(14, status.Code);
        Assert.Equal(refused.Status.Detail, status.Message);
        Assert.Contains("Cpst:Limits:MaxConcurrentExports", status.Message);
        RetryInfo retry = Assert.Single(status.Details).Unpack<RetryInfo>();
        Assert.Equal(TimeSpan.FromSeconds(1), retry.RetryDelay.ToTimeSpan());

        Drain(exporter);
        await GrpcClient.ExportAsync(channel, OneTask(1));
        Assert.Equal(1, exporter.Tasks.PendingCount);
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"overloaded\"}"));
    }

    [Fact]
    public async Task Grpc_GateFull_RawAnswerIsTrailersOnlyWithDecodableDetails()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        Fill(exporter);

        using HttpResponseMessage refused = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, OneTask(1));

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Equal("14", refused.Headers.GetValues("grpc-status").Single()); // in the headers: trailers-only
        string details = GrpcCall.Header(refused, "grpc-status-details-bin")!;
        // gRPC binary metadata is base64, padded or not; clients must accept both.
        Status status = Status.Parser.ParseFrom(Convert.FromBase64String(details.PadRight((details.Length + 3) / 4 * 4, '=')));
        Assert.Equal(TimeSpan.FromSeconds(1), Assert.Single(status.Details).Unpack<RetryInfo>().RetryDelay.ToTimeSpan());
        Drain(exporter);
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

    /// <summary>
    /// The hostile case: slow uploads, more of them than the gate has places, over one HTTP/2 connection (gRPC streams)
    /// and over HTTP/1.1. None of them holds a place while it uploads, so normal exports on both protocols go through.
    /// </summary>
    [Fact]
    public async Task SlowUploads_MoreThanTheGate_DoNotStarveNormalExports()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Limits:MaxConcurrentExports"] = "2" });
        // Large enough to trickle at 640 bytes a second for the whole test.
        byte[] Slow(int trace) => Spans.Request("slow", Spans.Root(trace, Spans.Attr("outcome", "success"), Spans.Attr("padding", new string('x', 40_000)))).ToByteArray();
        var grpcUploads = Enumerable.Range(100, 4).Select(trace => new TrickleContent(GrpcCall.Frame(Slow(trace)))).ToList();
        var httpUploads = Enumerable.Range(200, 3).Select(trace => new TrickleContent(Slow(trace))).ToList();
        foreach (TrickleContent upload in httpUploads) upload.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        var responses = new List<Task<HttpResponseMessage>>();
        foreach (TrickleContent upload in grpcUploads)
            responses.Add(Client.SendAsync(GrpcCall.Request(exporter.GrpcAddress, upload), HttpCompletionOption.ResponseContentRead));
        var httpClient = new HttpClient(); // HTTP/1.1: one connection per upload in flight
        foreach (TrickleContent upload in httpUploads)
            responses.Add(httpClient.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), upload));
        await Task.WhenAll(grpcUploads.Concat(httpUploads).Select(u => u.Started));

        // Over the same HTTP/2 connection as the slow gRPC streams, and over HTTP/1.1 beside the slow uploads.
        using HttpResponseMessage grpc = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, OneTask(1));
        var content = new ByteArrayContent(OneTask(2));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage http = await httpClient.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);

        Assert.Equal(0, GrpcCall.Status(grpc));
        Assert.Equal(HttpStatusCode.OK, http.StatusCode);
        Assert.Equal(0, exporter.Gate.InFlight);
        Assert.All(responses, r => Assert.False(r.IsCompleted));
        Assert.Equal(2, exporter.Tasks.PendingCount);

        foreach (TrickleContent upload in grpcUploads.Concat(httpUploads)) upload.Release();
        HttpResponseMessage[] finished = await Task.WhenAll(responses);
        Assert.All(finished[..4], r => Assert.Equal(0, GrpcCall.Status(r)));
        Assert.All(finished[4..], r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(9, exporter.Tasks.PendingCount);
        Assert.Equal(0m, MetricsText.Value(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"overloaded\"}") ?? 0m);
        foreach (HttpResponseMessage response in finished) response.Dispose();
    }

    [Fact]
    public async Task Export_UploadingWhileTheGateIsFull_IsAdmittedOnceReceived()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Limits:MaxConcurrentExports"] = "1" });
        var upload = new TrickleContent(Spans.Request("busy", Spans.Root(1, Spans.Attr("outcome", "success")), Spans.Llm(1, 2, "gpt-4o", 1000, 0),
            Spans.Llm(1, 3, "gpt-4o", 1, 1, Spans.Attr("padding", new string('x', 20_000)))).ToByteArray());
        upload.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        Fill(exporter);
        Task<HttpResponseMessage> uploading = Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), upload);
        await upload.Started;

        // The gate is full: a received request is refused; the one still uploading is not.
        using HttpResponseMessage refused = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, OneTask(2));
        Assert.Equal(14, GrpcCall.Status(refused));
        Assert.False(uploading.IsCompleted);

        Drain(exporter);
        upload.Release();
        using HttpResponseMessage admitted = await uploading;

        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Equal(0, exporter.Gate.InFlight);
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(1m, MetricsText.Required(metrics, "cpst_tasks_total{use_case=\"busy\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"}"));
        Assert.Equal(3m, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"http_protobuf\"}"));
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
            await Poll.UntilAsync(() => exporter.Receiving.RejectedRequests.Get(global::CpstExporter.Receiving.RequestRejection.Overloaded) >= 1,
                "the SDK's first attempt to be refused");
            Drain(exporter);
            Assert.True(await flushing, "the SDK gave up instead of retrying");
        }

        Assert.Equal(1, exporter.Tasks.PendingCount);
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), $"cpst_received_spans_total{{protocol=\"{(protocol == OtlpExportProtocol.Grpc ? "grpc" : "http_protobuf")}\"}}"));
    }
}
