using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>OTLP/HTTP and the outcome API over a real HTTP/1.1 connection, with the bodies a curl user sends.</summary>
public sealed class HttpReceiverTests
{
    private static readonly HttpClient Client = new();

    /// <summary>The README's worked example, byte for byte the JSON a user would paste.</summary>
    internal const string ReadmeTrace = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"support-bot"}}]},
          "scopeSpans":[{"spans":[
            {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","parentSpanId":"eee19b7ec3c1b173",
             "name":"chat gpt-4o","kind":3,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000",
             "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
                           {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
                           {"key":"gen_ai.usage.input_tokens","value":{"intValue":"1000"}},
                           {"key":"gen_ai.usage.output_tokens","value":{"intValue":200}}]},
            {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b173","name":"invoke_agent",
             "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000002000000000",
             "attributes":[{"key":"outcome","value":{"stringValue":"success"}}]}]}]}]}
        """;

    private static async Task<HttpResponseMessage> PostAsync(ExporterUnderTest exporter, string path, byte[] body, string contentType, string? encoding = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (encoding is not null) content.Headers.ContentEncoding.Add(encoding);
        return await Client.PostAsync(new Uri(exporter.HttpAddress, path), content);
    }

    [Fact]
    public async Task Traces_JsonAsCurlSendsIt_CountsTheTask()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using HttpResponseMessage response = await PostAsync(exporter, "/v1/traces", Encoding.UTF8.GetBytes(ReadmeTrace), "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        const string labels = "use_case=\"support-bot\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"";
        Assert.Equal(1m, MetricsText.Required(metrics, $"cpst_tasks_total{{{labels}}}"));
        Assert.Equal(0.0045m, MetricsText.Required(metrics, $"cpst_task_cost_usd_total{{{labels}}}"));
        Assert.Equal(2m, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"http_json\"}"));
    }

    [Fact]
    public async Task Traces_GzipProtobuf_IsDecompressed()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        byte[] request = Spans.Request("search", Spans.Root(3, Spans.Attr("outcome", "ok")), Spans.Tool(3, 2, "web_search")).ToByteArray();
        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.Fastest)) zip.Write(request);

        using HttpResponseMessage response = await PostAsync(exporter, "/v1/traces", compressed.ToArray(), "application/x-protobuf", "gzip");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        exporter.Settle();
        Assert.Equal(0.01m, MetricsText.Required(await exporter.ScrapeAsync(),
            "cpst_task_cost_usd_total{use_case=\"search\",outcome=\"success\",model=\"none\",environment=\"none\",variant=\"none\"}"));
    }

    [Fact]
    public async Task Traces_EmptyRequest_Succeeds()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using HttpResponseMessage protobuf = await PostAsync(exporter, "/v1/traces", [], "application/x-protobuf");
        using HttpResponseMessage json = await PostAsync(exporter, "/v1/traces", "{}"u8.ToArray(), "application/json");
        Assert.Equal(HttpStatusCode.OK, protobuf.StatusCode);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
    }

    [Fact]
    public async Task Traces_MalformedProtobuf_Answers400WithStatusInProtobuf()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using HttpResponseMessage response = await PostAsync(exporter, "/v1/traces", [0x0A, 0x10, 1, 2], "application/x-protobuf");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var status = global::CpstExporter.Receiving.Rpc.Status.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(3, status.Code);
        Assert.Contains("truncated", status.Message);
    }

    [Fact]
    public async Task Traces_MalformedJson_Answers400WithStatusInJson()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using HttpResponseMessage response = await PostAsync(exporter, "/v1/traces", "{\"resourceSpans\":[{]}"u8.ToArray(), "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("{\"code\":3,\"message\":\"malformed OTLP JSON request", body);
    }

    [Fact]
    public async Task Traces_UnsupportedContentType_Answers415()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using HttpResponseMessage response = await PostAsync(exporter, "/v1/traces", "hello"u8.ToArray(), "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Traces_GzipBombPastLimit_Answers413()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Limits:MaxRequestBytes"] = "100000" });
        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.Optimal)) zip.Write(new byte[10_000_000]);
        using HttpResponseMessage response = await PostAsync(exporter, "/v1/traces", compressed.ToArray(), "application/x-protobuf", "gzip");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"too_large\"}"));
    }

    [Fact]
    public async Task Outcomes_ForPendingTask_DecideItsOutcome()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        byte[] trace = Spans.Request("reviewer", Spans.Root(9), Spans.Llm(9, 2, "gpt-4o-mini", 1_000_000, 0)).ToByteArray();
        (await PostAsync(exporter, "/v1/traces", trace, "application/x-protobuf")).Dispose();

        string outcomes = $$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(9)}}","outcome":"Resolved"},{"trace_id":"{{Spans.TraceHex(10)}}","outcome":"failed"}]}""";
        using HttpResponseMessage response = await PostAsync(exporter, "/v1/outcomes", Encoding.UTF8.GetBytes(outcomes), "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"applied\":1,\"unknown\":1,\"late\":0,\"dropped\":0}", await response.Content.ReadAsStringAsync());
        exporter.Settle();
        Assert.Equal(0.15m, MetricsText.Required(await exporter.ScrapeAsync(),
            "cpst_task_cost_usd_total{use_case=\"reviewer\",outcome=\"success\",model=\"gpt-4o-mini\",environment=\"none\",variant=\"none\"}"));
    }

    [Fact]
    public async Task Outcomes_BadTraceId_Answers400AndAppliesNothing()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        string outcomes = $$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(9)}}","outcome":"success"},{"trace_id":"xyz","outcome":"success"}]}""";
        using HttpResponseMessage response = await PostAsync(exporter, "/v1/outcomes", Encoding.UTF8.GetBytes(outcomes), "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("outcomes[1].trace_id", await response.Content.ReadAsStringAsync());
    }

    private static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.Optimal)) zip.Write(data);
        return compressed.ToArray();
    }

    [Fact]
    public async Task Outcomes_Gzip_AreInflatedAndApplied()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        string outcomes = $$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(11)}}","outcome":"success"}]}""";

        using HttpResponseMessage response = await PostAsync(exporter, "/v1/outcomes", Gzip(Encoding.UTF8.GetBytes(outcomes)), "application/json", "gzip");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"applied\":0,\"unknown\":1,\"late\":0,\"dropped\":0}", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("br", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    [InlineData("deflate", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    [InlineData("gzip", HttpStatusCode.BadRequest, "malformed")] // the plain JSON below is no gzip stream
    public async Task Outcomes_OtherEncodingOrBadGzip_RefusedAndNothingApplied(string encoding, HttpStatusCode status, string reason)
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        string outcomes = $$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(12)}}","outcome":"success"}]}""";

        using HttpResponseMessage response = await PostAsync(exporter, "/v1/outcomes", Encoding.UTF8.GetBytes(outcomes), "application/json", encoding);

        Assert.Equal(status, response.StatusCode);
        Assert.StartsWith("{\"error\":", await response.Content.ReadAsStringAsync());
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(1m, MetricsText.Required(metrics, $"cpst_rejected_requests_total{{reason=\"{reason}\"}}"));
        Assert.Equal(0, exporter.Tasks.HeldOutcomeEntries);
    }

    [Fact]
    public async Task Outcomes_GzipBombPastLimit_Answers413()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Limits:MaxRequestBytes"] = "100000" });

        using HttpResponseMessage response = await PostAsync(exporter, "/v1/outcomes", Gzip(new byte[10_000_000]), "application/json", "gzip");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"too_large\"}"));
    }
}
