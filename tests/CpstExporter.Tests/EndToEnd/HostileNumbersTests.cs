using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Hostile numbers and shapes through the real receivers (docs/operations.md, "Hostile numbers and shapes"): times at
/// 0 and 2^64−1 ns and ends before starts, integers past 64 bits, <c>1e400</c>, duplicate keys, attributes nested
/// 10,000 deep. Each gets its documented answer, durations are never negative or overflowed, and the process serves on.
/// </summary>
public sealed class HostileNumbersTests
{
    private static readonly HttpClient Client = new();

    private const ulong Max = ulong.MaxValue;
    private const ulong Now = 1_700_000_000_000_000_000UL;

    /// <summary>Start and end of every span of the trace, as sent.</summary>
    public static TheoryData<string, ulong, ulong> Times => new()
    {
        { "both 0", 0, 0 },
        { "start 0, end 2^64-1", 0, Max },
        { "both 2^64-1", Max, Max },
        { "end before start", Now + 2_000_000_000, Now },
        { "start 2^64-1, end 0", Max, 0 },
        { "start 1 ns, end 2^64-1", 1, Max },
    };

    private static ExportTraceServiceRequest Trace(int trace, ulong start, ulong end)
    {
        Span root = Spans.Root(trace, Spans.Attr("outcome", "success"));
        Span call = Spans.Llm(trace, 2, "gpt-4o", 1000, 100);
        foreach (Span span in new[] { root, call }) (span.StartTimeUnixNano, span.EndTimeUnixNano) = (start, end);
        return Spans.Request("hostile", root, call);
    }

    [Theory]
    [MemberData(nameof(Times))]
    public async Task Export_HostileTimestamps_AreAcceptedOverEveryProtocolAndDurationsStayInRange(string what, ulong start, ulong end)
    {
        await using var exporter = await ExporterUnderTest.StartAsync();

        Assert.Equal(HttpStatusCode.OK, await PostProtobufAsync(exporter, Trace(1, start, end).ToByteArray()));
        Assert.Equal(HttpStatusCode.OK, await PostJsonAsync(exporter, OtlpJson.From(Trace(2, start, end))));
        using HttpResponseMessage grpc = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, Trace(3, start, end).ToByteArray());
        Assert.Equal(0, GrpcCall.Status(grpc));
        exporter.Settle();

        for (int trace = 1; trace <= 3; trace++)
        {
            using JsonDocument task = JsonDocument.Parse(await Client.GetStringAsync(new Uri(exporter.MetricsAddress, $"/api/v1/tasks/{Spans.TraceHex(trace)}")));
            double duration = task.RootElement.GetProperty("duration_ms").GetDouble();
            Assert.True(duration >= 0 && double.IsFinite(duration) && duration <= MaxDurationMs, $"{what}, trace {trace}: duration_ms {duration}");
            Assert.Equal(0.0035m, task.RootElement.GetProperty("cost_usd").GetDecimal());
        }
        Assert.Equal(3m, MetricsText.Sum(await exporter.ScrapeAsync(), "cpst_tasks_total"));
        await AssertServesOnAsync(exporter, 9);
    }

    /// <summary>From 1970 to the end of 9999, the widest a task's times can be once read.</summary>
    private static readonly double MaxDurationMs = (DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).TotalMilliseconds;

    private const string Ids = "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b173\"";

    private static string OneSpan(string spanFields, string attributes = "") =>
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{" + Ids + spanFields + ",\"attributes\":[" +
        "{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}},{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o\"}}" +
        attributes + "]}]}]}]}";

    private static string Tokens(string value) => ",{\"key\":\"gen_ai.usage.input_tokens\",\"value\":" + value + "}";

    private static string Nested(int depth) =>
        ",{\"key\":\"deep\",\"value\":" + string.Concat(Enumerable.Repeat("{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":", depth)) +
        "{\"stringValue\":\"x\"}" + string.Concat(Enumerable.Repeat("}]}}", depth)) + "}";

    /// <summary>A JSON request with a hostile number or shape, and the answer docs/operations.md gives it.</summary>
    public static TheoryData<string, string, HttpStatusCode> HostileJson => new()
    {
        { "intValue 2^63", OneSpan("", Tokens("{\"intValue\":9223372036854775808}")), HttpStatusCode.BadRequest },
        { "intValue of 30 digits as a string", OneSpan("", Tokens("{\"intValue\":\"123456789012345678901234567890\"}")), HttpStatusCode.BadRequest },
        { "intValue 1e400", OneSpan("", Tokens("{\"intValue\":1e400}")), HttpStatusCode.BadRequest },
        { "intValue NaN", OneSpan("", Tokens("{\"intValue\":\"NaN\"}")), HttpStatusCode.BadRequest },
        { "intValue -0", OneSpan("", Tokens("{\"intValue\":-0}")), HttpStatusCode.OK },
        { "doubleValue 1e400", OneSpan("", Tokens("{\"doubleValue\":1e400}")), HttpStatusCode.OK },
        { "doubleValue NaN", OneSpan("", Tokens("{\"doubleValue\":\"NaN\"}")), HttpStatusCode.OK },
        { "startTimeUnixNano 2^64", OneSpan(",\"startTimeUnixNano\":\"18446744073709551616\""), HttpStatusCode.BadRequest },
        { "startTimeUnixNano 2^64-1", OneSpan(",\"startTimeUnixNano\":\"18446744073709551615\",\"endTimeUnixNano\":0"), HttpStatusCode.OK },
        { "startTimeUnixNano -1", OneSpan(",\"startTimeUnixNano\":-1"), HttpStatusCode.BadRequest },
        { "startTimeUnixNano 1e400", OneSpan(",\"startTimeUnixNano\":1e400"), HttpStatusCode.BadRequest },
        { "a duplicate key in a span", OneSpan(",\"startTimeUnixNano\":\"1\",\"startTimeUnixNano\":\"2\""), HttpStatusCode.OK },
        { "an attribute given twice", OneSpan("", Tokens("{\"intValue\":5}") + Tokens("{\"intValue\":7}")), HttpStatusCode.OK },
        { "attributes nested 10,000 deep", OneSpan("", Nested(10_000)), HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(HostileJson))]
    public async Task Export_HostileJson_GetsItsDocumentedAnswerAndTheProcessServesOn(string what, string json, HttpStatusCode expected)
    {
        await using var exporter = await ExporterUnderTest.StartAsync();

        Assert.True(expected == await PostJsonAsync(exporter, json), what);

        await AssertServesOnAsync(exporter, 9);
    }

    [Fact]
    public async Task Export_AttributeGivenTwice_TheFirstCountsInJsonAndProtobuf()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();

        Assert.Equal(HttpStatusCode.OK, await PostJsonAsync(exporter, OneSpan("", Tokens("{\"intValue\":5}") + Tokens("{\"intValue\":7}"))));
        Span call = Spans.Llm(5, 2, "gpt-4o", 11, 0, Spans.Attr("gen_ai.usage.input_tokens", 13L));
        Assert.Equal(HttpStatusCode.OK, await PostProtobufAsync(exporter, Spans.Request("twice", call).ToByteArray()));
        exporter.Settle(901);

        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(16m, MetricsText.Samples(metrics, "cpst_llm_tokens_total").Where(s => s.Labels.Contains("token_type=\"input\"")).Sum(s => s.Value));
    }

    [Fact]
    public async Task Export_ProtobufAttributeNestedTenThousandDeep_IsSkippedAndTheSpanCounts()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        // The generated classes refuse to go past 100 levels: the request is written by hand, one root span with one attribute.
        byte[] value = NestedAnyValue(10_000);
        byte[] attribute = [0x0A, 4, .. "deep"u8, 0x12, .. Varint(value.Length), .. value];
        byte[] span = [0x0A, 16, .. Spans.TraceId(4), 0x12, 8, .. Spans.SpanId(1), 0x4A, .. Varint(attribute.Length), .. attribute];
        byte[] scope = [0x12, .. Varint(span.Length), .. span];
        byte[] resource = [0x12, .. Varint(scope.Length), .. scope];
        byte[] body = [0x0A, .. Varint(resource.Length), .. resource];

        // An attribute the conventions do not read is skipped by its length, whatever is inside: the span counts.
        Assert.Equal(HttpStatusCode.OK, await PostProtobufAsync(exporter, body));
        using HttpResponseMessage grpc = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, body);
        Assert.Equal(0, GrpcCall.Status(grpc));
        Assert.Equal(2m, MetricsText.Sum(await exporter.ScrapeAsync(), "cpst_received_spans_total"));

        await AssertServesOnAsync(exporter, 9);
    }

    /// <summary>An <c>AnyValue</c> of key-value lists <paramref name="depth"/> deep, written byte by byte from the inside out.</summary>
    private static byte[] NestedAnyValue(int depth)
    {
        byte[] value = [0x0A, 1, (byte)'x']; // AnyValue.string_value
        for (int i = 0; i < depth; i++)
        {
            byte[] keyValue = [0x0A, 1, (byte)'k', 0x12, .. Varint(value.Length), .. value]; // KeyValue.key, .value
            byte[] list = [0x0A, .. Varint(keyValue.Length), .. keyValue]; // KeyValueList.values
            value = [0x32, .. Varint(list.Length), .. list]; // AnyValue.kvlist_value
        }
        return value;
    }

    private static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        for (uint v = (uint)value; ; v >>= 7)
        {
            if (v < 0x80) { bytes.Add((byte)v); return bytes.ToArray(); }
            bytes.Add((byte)(v | 0x80));
        }
    }

    /// <summary>A valid trace still goes through and counts.</summary>
    private static async Task AssertServesOnAsync(ExporterUnderTest exporter, int trace)
    {
        Assert.Equal(HttpStatusCode.OK, await PostProtobufAsync(exporter, Spans.Request("after", Spans.Root(trace, Spans.Attr("outcome", "success")),
            Spans.Llm(trace, 2, "gpt-4o", 2000, 100)).ToByteArray()));
        exporter.Settle();
        Assert.Equal(0.006m, MetricsText.Required(await exporter.ScrapeAsync(),
            "cpst_task_cost_usd_total{use_case=\"after\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"}"));
    }

    private static async Task<HttpStatusCode> PostProtobufAsync(ExporterUnderTest exporter, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> PostJsonAsync(ExporterUnderTest exporter, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        return response.StatusCode;
    }
}
