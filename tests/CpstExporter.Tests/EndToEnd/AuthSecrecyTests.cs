using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Many wrong bearer tokens against a real exporter process: each refused with the documented answer, the right token
/// still accepted, and no token, wrong or right, written to the process's log or shown in <c>/metrics</c>.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class AuthSecrecyTests
{
    private const int WrongTokens = 1000;

    /// <summary>A token as <c>openssl rand</c> would make one: 32 random bytes, base64url, so no two share a long substring.</summary>
    private static string SecretLooking() =>
        "cpst_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] OneTask(int trace) =>
        Spans.Request("secured", Spans.Root(trace, Spans.Attr("outcome", "success")), Spans.Llm(trace, 2, "gpt-4o", 1000, 0)).ToByteArray();

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, Uri address, string path, byte[] body, string contentType, string? authorization)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path)) { Content = content };
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task ManyWrongTokens_AllRefusedAndNoneEverInTheLogOrMetrics()
    {
        string right = SecretLooking();
        await using ExporterProcess exporter = await ExporterProcess.StartAsync($"--Cpst:Auth:Tokens:0={right}");
        using var client = new HttpClient();
        byte[] outcome = Encoding.UTF8.GetBytes($$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(9)}}","outcome":"success"}]}""");
        var wrong = new List<string>(WrongTokens);

        for (int i = 0; i < WrongTokens; i++)
        {
            string token = SecretLooking();
            wrong.Add(token);
            switch (i % 5)
            {
                case 0:
                {
                    using HttpResponseMessage response = await PostAsync(client, exporter.HttpAddress, "/v1/traces", OneTask(i + 1), "application/x-protobuf", "Bearer " + token);
                    Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                    Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
                    Assert.DoesNotContain(token, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                    break;
                }
                case 1:
                {
                    using HttpResponseMessage response = await PostAsync(client, exporter.HttpAddress, "/v1/outcomes", outcome, "application/json", "Bearer " + token);
                    Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                    Assert.DoesNotContain(token, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                    break;
                }
                case 2:
                {
                    using HttpResponseMessage response = await GrpcCall.SendAsync(client, exporter.GrpcAddress, OneTask(i + 1), bearer: token);
                    await response.Content.ReadAsByteArrayAsync();
                    Assert.Equal(16, GrpcCall.Status(response));
                    Assert.DoesNotContain(token, GrpcCall.Message(response) ?? "", StringComparison.Ordinal);
                    break;
                }
                case 3:
                {
                    // The token in the query string, as some clients put it: never read.
                    using HttpResponseMessage response = await PostAsync(client, exporter.HttpAddress, $"/v1/traces?access_token={token}", OneTask(i + 1), "application/x-protobuf", null);
                    Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                    Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
                    break;
                }
                default:
                {
                    string basic = Convert.ToBase64String(Encoding.UTF8.GetBytes("otlp:" + token));
                    using HttpResponseMessage response = await PostAsync(client, exporter.HttpAddress, "/v1/traces", OneTask(i + 1), "application/x-protobuf", "Basic " + basic);
                    Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                    Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
                    wrong.Add(basic);
                    break;
                }
            }
        }
        // The right token is refused in the query string too, and accepted in the header.
        using (HttpResponseMessage inQuery = await PostAsync(client, exporter.HttpAddress, $"/v1/traces?access_token={right}", OneTask(1), "application/x-protobuf", null))
            Assert.Equal(HttpStatusCode.Unauthorized, inQuery.StatusCode);
        using (HttpResponseMessage accepted = await PostAsync(client, exporter.HttpAddress, "/v1/traces", OneTask(1), "application/x-protobuf", "Bearer " + right))
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        using (HttpResponseMessage grpc = await GrpcCall.SendAsync(client, exporter.GrpcAddress, OneTask(2), bearer: right))
        {
            await grpc.Content.ReadAsByteArrayAsync();
            Assert.Equal(0, GrpcCall.Status(grpc));
        }

        string metrics = await client.GetStringAsync(new Uri(exporter.MetricsAddress, "/metrics"));
        Assert.Equal(WrongTokens + 1m, MetricsText.Required(metrics, "cpst_rejected_requests_total{reason=\"unauthenticated\"}"));
        Assert.Equal(2m, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"http_protobuf\"}"));
        Assert.Equal(2m, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"grpc\"}"));
        Assert.False(exporter.HasExited, exporter.Output);
        string log = exporter.Output;
        Assert.NotEmpty(log);
        foreach (string secret in wrong.Append(right))
        {
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, metrics, StringComparison.Ordinal);
        }
    }
}
