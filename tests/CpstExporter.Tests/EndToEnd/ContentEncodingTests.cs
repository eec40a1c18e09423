using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Every receiver's answer to an encoding it does not take: gRPC's UNIMPLEMENTED with <c>grpc-accept-encoding</c> for a
/// compressed message, HTTP 415 for a <c>Content-Encoding</c> other than one <c>gzip</c> or none, each counted as
/// <c>unsupported_media_type</c>, never a 500; and the spellings that are taken (<c>GZIP</c>, an empty header).
/// </summary>
public sealed class ContentEncodingTests
{
    private static readonly HttpClient Client = new();

    private static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.Fastest)) zip.Write(data);
        return compressed.ToArray();
    }

    private static byte[] OneTask(int trace) =>
        Spans.Request("encoded", Spans.Root(trace, Spans.Attr("outcome", "success")), Spans.Llm(trace, 2, "gpt-4o", 1000, 0)).ToByteArray();

    private static byte[] Outcome(int trace) => Encoding.UTF8.GetBytes($$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(trace)}}","outcome":"success"}]}""");

    private static async Task<decimal> RejectedAsync(ExporterUnderTest exporter, string reason) =>
        MetricsText.Value(await exporter.ScrapeAsync(), $"cpst_rejected_requests_total{{reason=\"{reason}\"}}") ?? 0m;

    /// <summary>One request on a fresh HTTP/1.1 connection, its <c>Content-Encoding</c> header lines written as given; the status line.</summary>
    private static async Task<string> PostRawAsync(Uri address, string path, string contentType, byte[] body, params string[] encodings)
    {
        var head = new StringBuilder($"POST {path} HTTP/1.1\r\nHost: exporter\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\n");
        foreach (string encoding in encodings) head.Append("Content-Encoding: ").Append(encoding).Append("\r\n");
        head.Append("Connection: close\r\n\r\n");
        string answer = await RawHttp.SendHeadAsync(address, head.ToString(), body);
        return answer.Split("\r\n")[0];
    }

    public static TheoryData<string, string[], bool> Refused => new()
    {
        // path, Content-Encoding header lines, whether the body is gzip (once)
        { "/v1/traces", ["gzip, gzip"], true },
        { "/v1/traces", ["gzip", "gzip"], true },
        { "/v1/traces", ["br"], false },
        { "/v1/traces", ["deflate"], false },
        { "/v1/traces", ["x-snappy-framed"], false },
        { "/v1/traces", ["x-gzip"], true },
        { "/v1/traces", ["zstd"], false },
        { "/v1/traces", ["identity, gzip"], true },
        { "/v1/traces", ["gzip;q=1"], true },
        { "/v1/outcomes", ["gzip, gzip"], true },
        { "/v1/outcomes", ["gzip", "gzip"], true },
        { "/v1/outcomes", ["br"], false },
        { "/v1/outcomes", ["deflate"], false },
        { "/v1/outcomes", ["x-snappy-framed"], false },
        { "/v1/outcomes", ["identity, gzip"], true },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Http_EncodingOtherThanOneGzip_Answers415AndCountsIt(string path, string[] encodings, bool gzipBody)
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        bool traces = path == "/v1/traces";
        byte[] body = traces ? OneTask(1) : Outcome(1);
        if (gzipBody) body = Gzip(body);

        string status = await PostRawAsync(exporter.HttpAddress, path, traces ? "application/x-protobuf" : "application/json", body, encodings);

        Assert.Equal("HTTP/1.1 415 Unsupported Media Type", status);
        Assert.Equal(1m, await RejectedAsync(exporter, "unsupported_media_type"));
        Assert.Equal(0, exporter.Tasks.PendingCount);
        Assert.Equal(0, exporter.Tasks.HeldOutcomeEntries);
    }

    [Theory]
    [InlineData("/v1/traces")]
    [InlineData("/v1/outcomes")]
    public async Task Http_UnsupportedEncoding_ErrorBodySaysWhatIsTaken(string path)
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        bool traces = path == "/v1/traces";
        var content = new ByteArrayContent(traces ? OneTask(1) : Outcome(1));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("br");

        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, path), content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        // /v1/traces answers a google.rpc.Status in JSON, /v1/outcomes {"error":"…"}.
        using var answer = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("unsupported content encoding 'br': send gzip or no encoding", answer.RootElement.GetProperty(traces ? "message" : "error").GetString());
    }

    public static TheoryData<string, string[], bool> Taken => new()
    {
        { "/v1/traces", ["GZIP"], true },   // content codings are case-insensitive (RFC 9110)
        { "/v1/traces", ["Gzip"], true },
        { "/v1/traces", [""], false },      // an empty list of codings: none
        { "/v1/traces", ["identity"], false },
        { "/v1/traces", ["IDENTITY"], false },
        { "/v1/outcomes", ["GZIP"], true },
        { "/v1/outcomes", [""], false },
        { "/v1/outcomes", ["identity"], false },
    };

    [Theory]
    [MemberData(nameof(Taken))]
    public async Task Http_GzipInAnyCaseIdentityOrEmptyEncoding_IsAccepted(string path, string[] encodings, bool gzipBody)
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        bool traces = path == "/v1/traces";
        byte[] body = traces ? OneTask(1) : Outcome(1);
        if (gzipBody) body = Gzip(body);

        string status = await PostRawAsync(exporter.HttpAddress, path, traces ? "application/x-protobuf" : "application/json", body, encodings);

        Assert.Equal("HTTP/1.1 200 OK", status);
        Assert.Equal(traces ? 1 : 0, exporter.Tasks.PendingCount);
        Assert.Equal(traces ? 0 : 1, exporter.Tasks.HeldOutcomeEntries);
        Assert.Equal(0m, await RejectedAsync(exporter, "unsupported_media_type"));
    }

    [Theory]
    [InlineData("/v1/traces", "HTTP/1.1 200 OK")]                 // an empty request, as without gzip
    [InlineData("/v1/outcomes", "HTTP/1.1 400 Bad Request")]     // no JSON, as without gzip
    public async Task Http_GzipDeclaredOnAnEmptyBody_AnswersAsAnEmptyBody(string path, string expected)
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();

        string status = await PostRawAsync(exporter.HttpAddress, path, path == "/v1/traces" ? "application/x-protobuf" : "application/json", [], "gzip");

        Assert.Equal(expected, status);
    }

    [Theory]
    [InlineData("br")]
    [InlineData("snappy")]
    [InlineData("deflate")]
    [InlineData("zstd")]
    [InlineData("GZIP")]                // gRPC names its encodings in lower case, as registered
    [InlineData("gzip, gzip")]
    [InlineData("not-an-encoding!*")]
    public async Task Grpc_CompressedMessageInAnEncodingNotTaken_AnswersUnimplementedWithTheAcceptedEncodings(string encoding)
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        byte[] frame = GrpcCall.Frame(OneTask(1), gzip: true);
        using HttpRequestMessage request = GrpcCall.Request(exporter.GrpcAddress, new ByteArrayContent(frame));
        request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);

        using HttpResponseMessage response = await Client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(12, GrpcCall.Status(response));
        Assert.Contains(encoding, GrpcCall.Message(response));
        string? accepted = GrpcCall.Header(response, "grpc-accept-encoding");
        Assert.NotNull(accepted);
        Assert.Equal(["gzip", "identity"], accepted.Split(',', StringSplitOptions.TrimEntries).Order());
        Assert.Equal(1m, await RejectedAsync(exporter, "unsupported_media_type"));
        Assert.Equal(0, exporter.Tasks.PendingCount);
    }

    [Theory]
    [InlineData("br")]
    [InlineData("not-an-encoding!*")]
    public async Task Grpc_UncompressedMessageWhateverTheEncodingHeader_IsAccepted(string encoding)
    {
        // A message's flag says whether it is compressed; grpc-encoding names how only when it is (as the gRPC protocol has it).
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        using HttpRequestMessage request = GrpcCall.Request(exporter.GrpcAddress, new ByteArrayContent(GrpcCall.Frame(OneTask(1))));
        request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);

        using HttpResponseMessage response = await Client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(0, GrpcCall.Status(response));
        Assert.Equal(1, exporter.Tasks.PendingCount);
    }

    [Fact]
    public async Task Grpc_GzipMessage_IsInflated()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        using HttpResponseMessage response = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, OneTask(1), gzip: true);
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(0, GrpcCall.Status(response));
        Assert.Equal(1, exporter.Tasks.PendingCount);
    }
}
