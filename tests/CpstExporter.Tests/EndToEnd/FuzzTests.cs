using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Thousands of random and mutated OTLP payloads (protobuf and JSON, from a fixed seed) sent to both receivers over
/// the network, with known-valid requests interleaved. Every answer is one of the documented codes, every refusal is
/// counted once, the service keeps serving, its state stays bounded, the valid part is counted exactly, and whatever names
/// the noise carried, the expositions pass promtool and the task API is strict JSON.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class FuzzTests
{
    private const ulong Seed = 20261102;
    private const int Cases = 3000;
    private const int ValidEvery = 10;
    private const int MaxPending = 2000;
    private const int MaxSeries = 300;

    // gpt-4o-mini: $0.15 per 1M input tokens, $0.60 per 1M output tokens (pricing.yaml).
    private static decimal ValidCost(int n) => (1000 + n) * 0.15m / 1_000_000 + n * 0.60m / 1_000_000;

    private static readonly HashSet<HttpStatusCode> HttpCodes = [HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.UnsupportedMediaType];
    private static readonly HashSet<int> GrpcCodes = [0, 3, 8, 12, 13];

    [RequiresBinaryFact("promtool")]
    public async Task Export_RandomAndMutatedPayloads_DocumentedAnswersAndExactValidCounts()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:Limits:MaxRequestBytes"] = "262144",
            ["Cpst:Limits:MaxSeriesPerMetric"] = MaxSeries.ToString(CultureInfo.InvariantCulture),
            ["Cpst:Tasks:MaxPending"] = MaxPending.ToString(CultureInfo.InvariantCulture),
        });
        using var client = new HttpClient();
        FuzzCase[] cases = OtlpFuzz.Cases(Seed, Cases);

        // The first valid task comes before any noise, so its series exist before the label sets fill up.
        Assert.True(await SendValidAsync(client, exporter, 0));
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        int valid = 1, refused = 0;
        var failures = new ConcurrentQueue<string>();
        var answers = new ConcurrentDictionary<string, int>();
        var work = new ConcurrentQueue<int>(Enumerable.Range(0, Cases));
        int validSent = 0;
        async Task Worker()
        {
            while (work.TryDequeue(out int i))
            {
                if (i % ValidEvery == 0)
                {
                    int n = Interlocked.Increment(ref validSent);
                    if (!await SendValidAsync(client, exporter, n)) failures.Enqueue($"valid request {n} was not accepted");
                }
                (bool ok, bool success, string answer) = await SendAsync(client, exporter, cases[i]);
                answers.AddOrUpdate(Kind(answer), 1, (_, n) => n + 1);
                if (!ok) failures.Enqueue($"case {i}: {answer}: {cases[i]}");
                if (!success) Interlocked.Increment(ref refused);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(Worker)));
        valid += validSent;

        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(10)));
        // The cases reach every kind of answer, so the run exercised the decoders, not only one early refusal.
        string seen = string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Key}: {a.Value}"));
        foreach (string kind in new[] { "HTTP 200", "HTTP 400", "HTTP 413", "HTTP 415", "grpc-status 0", "grpc-status 3", "grpc-status 8", "grpc-status 13" })
            Assert.True(answers.ContainsKey(kind), $"no '{kind}' answer among {seen}");
        Assert.True(refused > Cases / 5 && refused < Cases * 19 / 20, $"{refused} of {Cases} refused: {seen}");

        // Still serving, and still bounded.
        using (HttpResponseMessage health = await client.GetAsync(new Uri(exporter.MetricsAddress, "/healthz")))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.True(exporter.Tasks.PendingCount <= MaxPending, $"{exporter.Tasks.PendingCount} pending tasks");
        Assert.Equal(0, exporter.Gate.InFlight);
        // What the service keeps is bounded (pending tasks, series, pooled batches and buffers): the heap after a full
        // collection grew by far less than the 3,000 requests carried (tens of MB; the heavy collection runs alone).
        long heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        Assert.True(heapGrowth < 64L * 1024 * 1024, $"heap grew by {heapGrowth / 1024 / 1024} MiB");

        exporter.Settle(seconds: 901); // every task, noise included, finishes
        string metrics = await exporter.ScrapeAsync();
        const string Labels = "use_case=\"fuzz-exact\",outcome=\"success\",model=\"gpt-4o-mini\",environment=\"none\",variant=\"none\"";
        Assert.Equal(valid, MetricsText.Required(metrics, $"cpst_tasks_total{{{Labels}}}"));
        Assert.Equal(Enumerable.Range(0, valid).Sum(ValidCost), MetricsText.Required(metrics, $"cpst_task_cost_usd_total{{{Labels}}}"));
        Assert.Equal(Enumerable.Range(0, valid).Sum(n => 1000m + n), MetricsText.Required(metrics, $"cpst_task_tokens_total{{{Labels},token_type=\"input\"}}"));
        Assert.Equal(valid, MetricsText.Required(metrics, "cpst_llm_calls_total{use_case=\"fuzz-exact\",provider=\"openai\",model=\"gpt-4o-mini\"}"));
        // Every refused request was counted once, under some reason.
        Assert.Equal(refused, MetricsText.Sum(metrics, "cpst_rejected_requests_total"));
        // The limit, the shared overflow series (one per outcome), and one overflow series per outcome for each use case
        // that filled its share of a quarter (at most 4 of them).
        foreach (string family in new[] { "cpst_tasks_total", "cpst_llm_calls_total", "cpst_tool_calls_total" })
            Assert.True(MetricsText.Samples(metrics, family).Count() <= MaxSeries + 3 + 4 * 3, $"{family} has more series than the limit allows");
        Assert.Equal(0m, MetricsText.Required(metrics, "cpst_pending_tasks"));

        // Whatever names the noise carried (hostile strings among them, mutated or not), both expositions stay valid UTF-8
        // that promtool accepts, and the task API strict JSON.
        Assert.Equal("", await Promtool.ProblemsAsync(await ScrapeUtf8Async(client, exporter, accept: null)));
        Assert.Equal("", await Promtool.OpenMetricsProblemsAsync(await ScrapeUtf8Async(client, exporter, "application/openmetrics-text; version=1.0.0")));
        foreach (string path in new[] { "/api/v1/tasks?limit=1000", "/api/v1/use_cases" })
        {
            var (status, json) = await StrictJson.GetAsync(client, new Uri(exporter.MetricsAddress, path));
            using (json) Assert.Equal(HttpStatusCode.OK, status);
        }
    }

    private static async Task<string> ScrapeUtf8Async(HttpClient client, ExporterUnderTest exporter, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(exporter.MetricsAddress, "/metrics"));
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        using HttpResponseMessage response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(await response.Content.ReadAsByteArrayAsync());
    }

    private static string Kind(string answer) =>
        answer.StartsWith("HTTP 200 grpc-status", StringComparison.Ordinal) ? answer[9..].Split(' ')[0] + " " + answer[9..].Split(' ')[1] : answer[..Math.Min(8, answer.Length)];

    /// <summary>Sends one fuzz case; <c>ok</c> when the answer is documented, <c>success</c> when it accepted the request.</summary>
    private static async Task<(bool Ok, bool Success, string Answer)> SendAsync(HttpClient client, ExporterUnderTest exporter, FuzzCase c)
    {
        byte[] body = c.Gzip ? Gzip(c.Payload) : c.Payload;
        if (c.Target == FuzzTarget.Grpc)
        {
            byte[] frame = GrpcCall.Frame(body);
            frame[0] = c.Gzip ? (byte)1 : (byte)0;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)Math.Max(0, body.Length + c.FrameLengthDelta));
            using HttpRequestMessage request = GrpcCall.Request(exporter.GrpcAddress, new ByteArrayContent(frame), gzip: c.ClaimGzip);
            if (c.ContentType is not null) request.Content!.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            using HttpResponseMessage response = await client.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode == HttpStatusCode.UnsupportedMediaType) return (true, false, "415");
            int? status = GrpcCall.Status(response);
            return (response.StatusCode == HttpStatusCode.OK && status is int s && GrpcCodes.Contains(s), status == 0,
                $"HTTP {(int)response.StatusCode} grpc-status {status} {GrpcCall.Message(response)}");
        }
        else
        {
            var content = new ByteArrayContent(body);
            content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType ?? (c.Target == FuzzTarget.HttpJson ? "application/json" : "application/x-protobuf"));
            if (c.ClaimGzip) content.Headers.ContentEncoding.Add("gzip");
            using HttpResponseMessage response = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
            string answer = $"HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            return (HttpCodes.Contains(response.StatusCode), response.StatusCode == HttpStatusCode.OK, answer);
        }
    }

    /// <summary>A task known to be valid: trace ids of their own (ee…), one LLM call, sent over each protocol in turn.</summary>
    private static async Task<bool> SendValidAsync(HttpClient client, ExporterUnderTest exporter, int n)
    {
        string trace = $"ee{n:x8}eeeeeeeeeeeeeeeeeeeeee", root = $"ee{n:x6}000001ee", llm = $"ee{n:x6}000002ee";
        switch (n % 3)
        {
            case 0:
                {
                    using HttpResponseMessage response = await GrpcCall.SendAsync(client, exporter.GrpcAddress, ValidProtobuf(trace, root, llm, n).ToByteArray(), gzip: n % 2 == 0);
                    return GrpcCall.Status(response) == 0;
                }
            case 1:
                {
                    var content = new ByteArrayContent(ValidProtobuf(trace, root, llm, n).ToByteArray());
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
                    using HttpResponseMessage response = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
                    return response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsByteArrayAsync()).Length == 0;
                }
            default:
                {
                    string json = $$$"""
                        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"fuzz-exact"}}]},"scopeSpans":[{"spans":[
                          {"traceId":"{{{trace}}}","spanId":"{{{root}}}","name":"invoke_agent","attributes":[{"key":"outcome","value":{"stringValue":"success"}}]},
                          {"traceId":"{{{trace}}}","spanId":"{{{llm}}}","parentSpanId":"{{{root}}}","name":"chat","attributes":[
                            {"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},
                            {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},
                            {"key":"gen_ai.usage.input_tokens","value":{"intValue":"{{{1000 + n}}}"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":{{{n}}}}}]}]}]}]}
                        """;
                    using HttpResponseMessage response = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), new StringContent(json, Encoding.UTF8, "application/json"));
                    return response.StatusCode == HttpStatusCode.OK && await response.Content.ReadAsStringAsync() == "{}";
                }
        }
    }

    private static global::CpstExporter.Receiving.Otlp.ExportTraceServiceRequest ValidProtobuf(string trace, string root, string llm, int n)
    {
        ByteString Id(string hex) => ByteString.CopyFrom(Convert.FromHexString(hex));
        var rootSpan = new global::CpstExporter.Receiving.Otlp.Span { TraceId = Id(trace), SpanId = Id(root), Name = "invoke_agent" };
        rootSpan.Attributes.Add(Spans.Attr("outcome", "success"));
        var llmSpan = new global::CpstExporter.Receiving.Otlp.Span { TraceId = Id(trace), SpanId = Id(llm), ParentSpanId = Id(root), Name = "chat" };
        llmSpan.Attributes.AddRange([Spans.Attr("gen_ai.operation.name", "chat"), Spans.Attr("gen_ai.provider.name", "openai"),
            Spans.Attr("gen_ai.request.model", "gpt-4o-mini"), Spans.Attr("gen_ai.usage.input_tokens", 1000L + n), Spans.Attr("gen_ai.usage.output_tokens", (long)n)]);
        return Spans.Request("fuzz-exact", llmSpan, rootSpan);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.Fastest)) zip.Write(data);
        return compressed.ToArray();
    }
}
