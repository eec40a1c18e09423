using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// The request limits and the OTLP answers to bad input, on the wire: too large (before reading past the limit, and
/// after decompression), unsupported types and encodings, malformed payloads, empty requests.
/// </summary>
public sealed class LimitsTests
{
    private static readonly HttpClient Client = new();
    private const int Limit = 100_000;

    private static Task<ExporterUnderTest> StartAsync() =>
        ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Limits:MaxRequestBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    private static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.Optimal)) zip.Write(data);
        return compressed.ToArray();
    }

    private static async Task<decimal> RejectedAsync(ExporterUnderTest exporter, string reason) =>
        MetricsText.Value(await exporter.ScrapeAsync(), $"cpst_rejected_requests_total{{reason=\"{reason}\"}}") ?? 0m;

    [Fact]
    public async Task Grpc_PrefixDeclaresMoreThanTheLimit_ResourceExhaustedBeforeTheMessageIsSent()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        byte[] frame = GrpcCall.Frame(new byte[Limit + 1]);
        var held = new HeldContent(frame, firstPart: 5); // only the prefix; the message follows after the answer

        using HttpRequestMessage request = GrpcCall.Request(exporter.GrpcAddress, held);
        using HttpResponseMessage response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        held.Release();

        Assert.Equal(8, GrpcCall.Status(response));
        Assert.Contains("Cpst:Limits:MaxRequestBytes", GrpcCall.Message(response));
        Assert.Equal(1m, await RejectedAsync(exporter, "too_large"));
    }

    [Fact]
    public async Task Grpc_GzipBomb_IsCutOffAtTheLimit()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        // 50 MB of zeros is about 50 KB gzipped: under the limit on the wire, 500 times over it inflated.
        // (BodyReaderTests shows the inflating stops at the limit without allocating the rest.)
        using HttpResponseMessage response = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, new byte[50_000_000], gzip: true);

        Assert.Equal(8, GrpcCall.Status(response));
        Assert.Contains("after decompression", GrpcCall.Message(response));
    }

    [Fact]
    public async Task Grpc_EmptyRequest_Succeeds()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        using HttpResponseMessage response = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, []);
        Assert.Equal(0, GrpcCall.Status(response));
    }

    [Theory]
    [InlineData(2, null, 2)]           // compressed flag must be 0 or 1: grpc-dotnet answers UNKNOWN
    [InlineData(1, null, 13)]          // compressed, but no grpc-encoding named
    [InlineData(1, "deflate", 12)]     // an encoding this server does not implement
    public async Task Grpc_BadCompression_AnswersTheGrpcCodeAndCountsIt(byte flag, string? encoding, int code)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        byte[] frame = GrpcCall.Frame(Spans.Request("x", Spans.Root(1)).ToByteArray());
        frame[0] = flag;
        using HttpRequestMessage request = GrpcCall.Request(exporter.GrpcAddress, new ByteArrayContent(frame));
        if (encoding is not null) request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);

        using HttpResponseMessage response = await Client.SendAsync(request);

        Assert.Equal(code, GrpcCall.Status(response));
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(1m, (MetricsText.Value(metrics, "cpst_rejected_requests_total{reason=\"malformed\"}") ?? 0m) +
                         (MetricsText.Value(metrics, "cpst_rejected_requests_total{reason=\"unsupported_media_type\"}") ?? 0m));
    }

    [Fact]
    public async Task Grpc_MessageShorterThanItsPrefix_AnswersInternal()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        byte[] frame = GrpcCall.Frame(new byte[100]);
        using HttpRequestMessage request = GrpcCall.Request(exporter.GrpcAddress, new ByteArrayContent(frame[..50]));
        using HttpResponseMessage response = await Client.SendAsync(request);
        Assert.Equal(13, GrpcCall.Status(response));
        Assert.Equal(1m, await RejectedAsync(exporter, "malformed"));
    }

    [Fact]
    public async Task Grpc_WrongContentType_Answers415()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        using HttpRequestMessage request = GrpcCall.Request(exporter.GrpcAddress, new ByteArrayContent(GrpcCall.Frame([])));
        request.Content!.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using HttpResponseMessage response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task HttpTraces_ContentLengthOverTheLimit_Answers413WithoutReadingTheBody()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        string head = await RawHttp.SendHeadAsync(exporter.HttpAddress,
            $"POST /v1/traces HTTP/1.1\r\nHost: exporter\r\nContent-Type: application/x-protobuf\r\nContent-Length: {Limit + 1}\r\n\r\n", []);
        Assert.StartsWith("HTTP/1.1 413", head);
        Assert.Equal(1m, await RejectedAsync(exporter, "too_large"));
    }

    [Fact]
    public async Task HttpTraces_ChunkedBodyOverTheLimit_Answers413()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        var content = new HeldContent(new byte[Limit + 1000], firstPart: Limit + 1000); // no length: sent chunked
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Release();
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var status = global::CpstExporter.Receiving.Rpc.Status.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(8, status.Code);
    }

    [Fact]
    public async Task HttpTraces_BodyExactlyAtTheLimit_IsRead()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        // An attribute long enough to make the request exactly the limit: not refused as too large.
        int padding = Limit;
        var request = Spans.Request("edge", Spans.Root(1, Spans.Attr("padding", new string('x', padding))));
        while (request.CalculateSize() != Limit)
        {
            padding -= Math.Max(1, (request.CalculateSize() - Limit) / 2);
            request = Spans.Request("edge", Spans.Root(1, Spans.Attr("padding", new string('x', padding))));
        }
        byte[] body = request.ToByteArray();
        Assert.Equal(Limit, body.Length);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HttpTraces_UnsupportedEncoding_Answers415()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        var content = new ByteArrayContent([1, 2, 3]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("br");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var status = global::CpstExporter.Receiving.Rpc.Status.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Contains("gzip", status.Message);
    }

    [Fact]
    public async Task HttpTraces_CorruptGzip_Answers400()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        byte[] gzip = Gzip(Spans.Request("x", Spans.Root(1)).ToByteArray());
        gzip[12] ^= 0xFF;
        var content = new ByteArrayContent(gzip[..^4]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("gzip");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("{\"resourceSpans\":[]}")]
    [InlineData("  \n")]
    public async Task HttpTraces_EmptyJsonRequest_Succeeds(string json)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Outcomes_OverTheLimit_Answers413()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        string big = "{\"outcomes\":[" + string.Join(',', Enumerable.Repeat($"{{\"trace_id\":\"{Spans.TraceHex(1)}\",\"outcome\":\"success\"}}", 2000)) + "]}";
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/outcomes"), new StringContent(big, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Outcomes_NotJson_Answers415()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/outcomes"), new StringContent("trace=1", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }
}
