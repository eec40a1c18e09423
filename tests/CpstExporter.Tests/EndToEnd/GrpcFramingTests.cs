using System.Net;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// OTLP/gRPC as the wire sees it: HTTP/2 cleartext with prior knowledge, 5-byte framing, gzip, status trailers; sent
/// both framed by hand and by grpc-dotnet's client.
/// </summary>
public sealed class GrpcFramingTests
{
    private static readonly HttpClient Client = new();

    private static Task<HttpResponseMessage> CallAsync(ExporterUnderTest exporter, byte[] message, bool gzip, string path = GrpcCall.ExportPath) =>
        GrpcCall.SendAsync(Client, exporter.GrpcAddress, message, gzip: gzip, path: path);

    private static string? Status(HttpResponseMessage response) => GrpcCall.Header(response, "grpc-status");

    private static string? Message(HttpResponseMessage response) => GrpcCall.Message(response);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Export_FramedRequest_AnswersOkAndCountsSpans(bool gzip)
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        byte[] request = Spans.Request("coder", Spans.Root(7, Spans.Attr("outcome", "passed")), Spans.Llm(7, 2, "gpt-4o", 4000, 1000)).ToByteArray();

        using HttpResponseMessage response = await CallAsync(exporter, request, gzip);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("0", Status(response));
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(5, body.Length); // an empty ExportTraceServiceResponse, framed
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(2m, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"grpc\"}"));
        Assert.Equal(0.02m, MetricsText.Required(metrics,
            "cpst_task_cost_usd_total{use_case=\"coder\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"}"));
    }

    [Fact]
    public async Task Export_BadSpanIds_AnswersPartialSuccess()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        var request = Spans.Request("coder", Spans.Root(7), Spans.Llm(7, 2, "gpt-4o", 1, 1));
        request.ResourceSpans[0].ScopeSpans[0].Spans[1].TraceId = ByteString.CopyFrom(new byte[5]);

        using HttpResponseMessage response = await CallAsync(exporter, request.ToByteArray(), gzip: false);

        Assert.Equal("0", Status(response));
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        var answer = ExportTraceServiceResponse.Parser.ParseFrom(body.AsSpan(5).ToArray());
        Assert.Equal(1, answer.PartialSuccess.RejectedSpans);
        Assert.Contains("trace_id", answer.PartialSuccess.ErrorMessage);
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_spans_total{reason=\"invalid_trace_id\"}"));
    }

    [Fact]
    public async Task Export_Garbage_AnswersInvalidArgument()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using HttpResponseMessage response = await CallAsync(exporter, [0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2], gzip: false);
        Assert.Equal("3", Status(response));
        Assert.Contains("malformed", Message(response));
    }

    [Fact]
    public async Task Export_LargerThanLimit_AnswersResourceExhausted()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Limits:MaxRequestBytes"] = "1000" });
        byte[] request = Spans.Request("coder", Enumerable.Range(1, 50).Select(i => Spans.Llm(7, i + 1, "gpt-4o", 1, 1)).ToArray()).ToByteArray();
        using HttpResponseMessage response = await CallAsync(exporter, request, gzip: false);
        Assert.Equal("8", Status(response));
    }

    [Theory]
    [InlineData(0xFFFFFFFFu)] // 4 GiB
    [InlineData(0x80000000u)] // 2 GiB, past int
    [InlineData(70_000_000u)] // past MaxRequestBytes, within int
    public async Task Export_LengthPrefixDeclaresMoreThanTheLimit_AnswersResourceExhausted(uint declared)
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        byte[] frame = [0, (byte)(declared >> 24), (byte)(declared >> 16), (byte)(declared >> 8), (byte)declared, 0x0A, 0x00];

        using HttpResponseMessage response = await Client.SendAsync(GrpcCall.Request(exporter.GrpcAddress, new ByteArrayContent(frame)));

        Assert.Equal(8, GrpcCall.Status(response)); // RESOURCE_EXHAUSTED, not UNKNOWN
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"too_large\"}"));
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/x-protobuf")]
    [InlineData("text/plain")]
    public async Task Export_NotAGrpcContentType_Answers415(string contentType)
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        byte[] frame = GrpcCall.Frame(Spans.Request("coder", Spans.Root(7, Spans.Attr("outcome", "success"))).ToByteArray());
        using HttpRequestMessage request = GrpcCall.Request(exporter.GrpcAddress, new ByteArrayContent(frame));
        request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);

        using HttpResponseMessage response = await Client.SendAsync(request);

        // gRPC over HTTP/2: a request whose content type is not application/grpc is answered 415, not a gRPC status.
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(1m, MetricsText.Required(metrics, "cpst_rejected_requests_total{reason=\"unsupported_media_type\"}"));
        Assert.Equal(0m, MetricsText.Value(metrics, "cpst_received_spans_total{protocol=\"grpc\"}") ?? 0m);
    }

    [Fact]
    public async Task Call_UnknownMethod_AnswersUnimplemented()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using HttpResponseMessage response = await CallAsync(exporter, [], gzip: false, path: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export");
        Assert.Equal("12", Status(response));
    }

    [Fact]
    public async Task Export_GrpcNetClientWithGzip_AnswersOkAndCountsSpans()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using var channel = GrpcClient.Channel(exporter.GrpcAddress);
        byte[] request = Spans.Request("coder", Spans.Root(7, Spans.Attr("outcome", "passed")), Spans.Llm(7, 2, "gpt-4o", 4000, 1000)).ToByteArray();

        byte[] answer = await GrpcClient.ExportAsync(channel, request, gzip: true);

        Assert.Empty(answer); // an empty ExportTraceServiceResponse: everything was taken
        Assert.Equal(2m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_received_spans_total{protocol=\"grpc\"}"));
    }

    [Fact]
    public async Task Export_GrpcNetClientPartialSuccess_ReadsRejectedSpans()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using var channel = GrpcClient.Channel(exporter.GrpcAddress);
        var request = Spans.Request("coder", Spans.Root(7), Spans.Llm(7, 2, "gpt-4o", 1, 1), Spans.Llm(7, 3, "gpt-4o", 1, 1));
        request.ResourceSpans[0].ScopeSpans[0].Spans[2].SpanId = ByteString.CopyFrom(new byte[8]);

        var answer = ExportTraceServiceResponse.Parser.ParseFrom(await GrpcClient.ExportAsync(channel, request.ToByteArray()));

        Assert.Equal(1, answer.PartialSuccess.RejectedSpans);
        Assert.Contains("span_id", answer.PartialSuccess.ErrorMessage);
    }

    [Fact]
    public async Task Export_TwoMessagesInAUnaryCall_FailsAndCountsNothing()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        byte[] first = GrpcCall.Frame(Spans.Request("coder", Spans.Root(7, Spans.Attr("outcome", "success"))).ToByteArray());
        byte[] second = GrpcCall.Frame(Spans.Request("coder", Spans.Root(8, Spans.Attr("outcome", "success"))).ToByteArray());
        using HttpRequestMessage request = GrpcCall.Request(exporter.GrpcAddress, new ByteArrayContent([.. first, .. second]));

        using HttpResponseMessage response = await Client.SendAsync(request);

        Assert.Equal("13", Status(response)); // INTERNAL: a unary call carries one message
        Assert.Equal(0, exporter.Tasks.PendingCount);
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(0m, MetricsText.Value(metrics, "cpst_received_spans_total{protocol=\"grpc\"}") ?? 0m);
        Assert.Equal(1m, MetricsText.Required(metrics, "cpst_rejected_requests_total{reason=\"malformed\"}"));
    }

    [Fact]
    public async Task Export_MessageLargerThanTheStreamWindow_IsReceivedWhole()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using var channel = GrpcClient.Channel(exporter.GrpcAddress);
        // About 3 MB: more than Kestrel's HTTP/2 stream and connection windows, in many pipe blocks.
        var spans = Enumerable.Range(1, 3000).Select(i => Spans.Llm(9, i + 1, "gpt-4o", 1, 1, Spans.Attr("prompt", new string('p', 1000)))).ToArray();

        await GrpcClient.ExportAsync(channel, Spans.Request("big", spans).ToByteArray());

        Assert.Equal(3000m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_received_spans_total{protocol=\"grpc\"}"));
    }

    [Fact]
    public async Task Call_UnknownMethodWithoutGrpcContentType_AnswersUnimplemented()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(exporter.GrpcAddress, "/metrics"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using HttpResponseMessage response = await Client.SendAsync(request);
        Assert.Equal("12", Status(response));
    }
}
