using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;
using OpenTelemetry.Exporter;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// <c>Cpst:Auth:Tokens</c> guards OTLP/gRPC, OTLP/HTTP and the outcome API; <c>Cpst:Auth:MetricsTokens</c> guards
/// <c>/metrics</c>; <c>/healthz</c> and <c>/readyz</c> stay open.
/// </summary>
public sealed class AuthTests
{
    private const string Token = "write-token-0123456789abcdef";
    private const string OtherToken = "second-write-token";
    private const string ScrapeToken = "scrape-token-fedcba9876543210";
    private static readonly HttpClient Client = new();

    private static Task<ExporterUnderTest> StartAsync(bool metricsTokens = false)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cpst:Auth:Tokens:0"] = Token,
            ["Cpst:Auth:Tokens:1"] = OtherToken,
        };
        if (metricsTokens) settings["Cpst:Auth:MetricsTokens:0"] = ScrapeToken;
        return ExporterUnderTest.StartAsync(settings);
    }

    private static byte[] OneTask(int trace) => Spans.Request("secured", Spans.Root(trace, Spans.Attr("outcome", "success")), Spans.Llm(trace, 2, "gpt-4o", 1000, 0)).ToByteArray();

    private static async Task<HttpResponseMessage> PostAsync(Uri address, string path, byte[] body, string contentType, string? authorization)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path)) { Content = content };
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await Client.SendAsync(request);
    }

    public static TheoryData<string?, string> BadCredentials => new()
    {
        { null, "Bearer" },
        { "Bearer wrong-token", "Bearer error=\"invalid_token\"" },
        { "Bearer " + Token + "x", "Bearer error=\"invalid_token\"" },
        { "Bearer " + Token[..^1], "Bearer error=\"invalid_token\"" },
        { "Bearer " + Token.ToUpperInvariant(), "Bearer error=\"invalid_token\"" }, // the token is case-sensitive
        { "Bearer " + Token[..8] + " " + Token[8..], "Bearer error=\"invalid_token\"" }, // whitespace inside it
        { "Bearer " + Token + "," + OtherToken, "Bearer error=\"invalid_token\"" },
        // Not bearer credentials at all: a challenge without an error code, as RFC 6750 answers another scheme.
        { "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + Token)), "Bearer" },
        { "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Token + ":")), "Bearer" },
        { Token, "Bearer" },
    };

    [Theory]
    [MemberData(nameof(BadCredentials))]
    public async Task HttpTraces_WithoutValidToken_Answers401WithChallengeAndCountsNothing(string? authorization, string challenge)
    {
        await using ExporterUnderTest exporter = await StartAsync();

        using HttpResponseMessage response = await PostAsync(exporter.HttpAddress, "/v1/traces", OneTask(1), "application/x-protobuf", authorization);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(challenge, response.Headers.WwwAuthenticate.ToString());
        var status = global::CpstExporter.Receiving.Rpc.Status.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(16, status.Code);
        Assert.Contains("Cpst:Auth:Tokens", status.Message);
        Assert.Equal(0, exporter.Tasks.PendingCount);
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"unauthenticated\"}"));
    }

    [Fact]
    public async Task HttpTraces_JsonWithoutToken_AnswersStatusInJson()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        using HttpResponseMessage response = await PostAsync(exporter.HttpAddress, "/v1/traces", Encoding.UTF8.GetBytes(HttpReceiverTests.ReadmeTrace), "application/json", null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("{\"code\":16,", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(Token)]
    [InlineData(OtherToken)]
    public async Task HttpTraces_AnyConfiguredToken_IsAccepted(string token)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        using HttpResponseMessage response = await PostAsync(exporter.HttpAddress, "/v1/traces", OneTask(1), "application/x-protobuf", "bearer " + token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, exporter.Tasks.PendingCount);
    }

    [Theory]
    [InlineData("bearer ")]
    [InlineData("BEARER ")]
    [InlineData("BeArEr ")]
    [InlineData("Bearer    ")]
    public async Task HttpTraces_SchemeInAnyCaseAndSpacing_IsAccepted(string scheme)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        using HttpResponseMessage response = await PostAsync(exporter.HttpAddress, "/v1/traces", OneTask(1), "application/x-protobuf", scheme + Token + "  ");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/v1/traces")]
    [InlineData("/v1/outcomes")]
    public async Task Http_TokenInTheQueryString_DoesNotAuthenticate(string path)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        byte[] body = path == "/v1/traces" ? OneTask(1) : Encoding.UTF8.GetBytes($$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(5)}}","outcome":"success"}]}""");
        string type = path == "/v1/traces" ? "application/x-protobuf" : "application/json";

        using HttpResponseMessage alone = await PostAsync(exporter.HttpAddress, $"{path}?access_token={Token}", body, type, null);
        using HttpResponseMessage besideAWrongHeader = await PostAsync(exporter.HttpAddress, $"{path}?access_token={Token}", body, type, "Bearer wrong-token");

        Assert.Equal(HttpStatusCode.Unauthorized, alone.StatusCode);
        Assert.Equal("Bearer", alone.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, besideAWrongHeader.StatusCode);
        Assert.Equal(0, exporter.Tasks.PendingCount);
        Assert.Equal(0, exporter.Tasks.HeldOutcomeEntries);
        Assert.Equal(2m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"unauthenticated\"}"));
    }

    [Theory]
    [InlineData("Bearer WRITE-TOKEN-0123456789ABCDEF")]
    [InlineData("Bearer write-token-01234 56789abcdef")]
    [InlineData("Basic dXNlcjp3cml0ZS10b2tlbi0wMTIzNDU2Nzg5YWJjZGVm")]
    public async Task Grpc_TokenInAnotherCaseOrSchemeOrSplit_AnswersUnauthenticated(string authorization)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        using HttpRequestMessage request = GrpcCall.Request(exporter.GrpcAddress, new ByteArrayContent(GrpcCall.Frame(OneTask(1))));
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using HttpResponseMessage response = await Client.SendAsync(request);

        Assert.Equal(16, GrpcCall.Status(response));
        Assert.Equal(0, exporter.Tasks.PendingCount);
    }

    [Fact]
    public async Task Grpc_WithoutOrWithWrongToken_AnswersUnauthenticated()
    {
        await using ExporterUnderTest exporter = await StartAsync();

        using HttpResponseMessage missing = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, OneTask(1));
        using HttpResponseMessage wrong = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, OneTask(1), bearer: "nope");
        using HttpResponseMessage right = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, OneTask(1), bearer: Token);

        Assert.Equal(16, GrpcCall.Status(missing));
        Assert.Contains("Authorization: Bearer", GrpcCall.Message(missing));
        Assert.Equal(16, GrpcCall.Status(wrong));
        Assert.Equal(0, GrpcCall.Status(right));
        Assert.Equal(1, exporter.Tasks.PendingCount);
        Assert.Equal(2m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"unauthenticated\"}"));
    }

    [Fact]
    public async Task Outcomes_WithoutToken_Answers401AndAppliesNothing()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        byte[] outcome = Encoding.UTF8.GetBytes($$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(5)}}","outcome":"success"}]}""");

        using HttpResponseMessage refused = await PostAsync(exporter.HttpAddress, "/v1/outcomes", outcome, "application/json", null);
        using HttpResponseMessage accepted = await PostAsync(exporter.HttpAddress, "/v1/outcomes", outcome, "application/json", "Bearer " + Token);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.ToString());
        Assert.Contains("Cpst:Auth:Tokens", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("{\"applied\":0,\"unknown\":1,\"late\":0,\"dropped\":0}", await accepted.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task SdkExporter_WithTokenInHeaders_IsAccepted(OtlpExportProtocol protocol)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        // As OTEL_EXPORTER_OTLP_HEADERS sets it.
        using (SdkAgent agent = SdkAgent.Start(exporter, protocol, "secured", headers: "Authorization=Bearer " + Token))
        {
            using (Activity root = agent.StartActivity("invoke_agent")) root.SetTag("outcome", "success");
            Assert.True(agent.Flush());
        }
        Assert.Equal(1, exporter.Tasks.PendingCount);
        Assert.Equal(0m, MetricsText.Value(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"unauthenticated\"}") ?? 0m);
    }

    [Fact]
    public async Task Metrics_WithMetricsTokens_NeedsOneOfThem()
    {
        await using ExporterUnderTest exporter = await StartAsync(metricsTokens: true);
        Uri metrics = new(exporter.MetricsAddress, "/metrics");

        using HttpResponseMessage missing = await Client.GetAsync(metrics);
        using var withWriteToken = new HttpRequestMessage(HttpMethod.Get, metrics);
        withWriteToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using HttpResponseMessage wrong = await Client.SendAsync(withWriteToken);
        string scraped = await exporter.ScrapeAsync(bearer: ScrapeToken);

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode); // write tokens do not open /metrics
        Assert.Contains("cpst_build_info", scraped);
    }

    [Fact]
    public async Task Metrics_WithWriteTokensOnly_StaysOpen()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        Assert.Contains("cpst_build_info", await exporter.ScrapeAsync());
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Probes_WithEveryTokenListSet_StayOpen(string path)
    {
        await using ExporterUnderTest exporter = await StartAsync(metricsTokens: true);
        using HttpResponseMessage response = await Client.GetAsync(new Uri(exporter.MetricsAddress, path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
