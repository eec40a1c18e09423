using System.Text;
using CpstExporter.Receiving.Otlp;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;

namespace CpstExporter.Tests.Support;

/// <summary>
/// Random and mutated OTLP payloads, protobuf and JSON, from a fixed seed: seeds that look like what agents send,
/// byte- and token-level mutations of them, splices, random bytes, and hostile JSON shapes; each dressed for gRPC or
/// HTTP, sometimes gzip, sometimes lying about it; and tasks named with <see cref="HostileStrings"/>.
/// </summary>
internal static class OtlpFuzz
{
    private static readonly string[] HostileJson =
    [
        new string('[', 5000) + new string(']', 5000),
        "{\"resourceSpans\":" + string.Concat(Enumerable.Repeat("[", 200)) + string.Concat(Enumerable.Repeat("]", 200)) + "}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"" + new string('a', 10000) + "\"}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b173\",\"startTimeUnixNano\":\"99999999999999999999999\"}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b173\",\"attributes\":[{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"-9223372036854775808\"}},{\"key\":\"gen_ai.usage.output_tokens\",\"value\":{\"intValue\":9223372036854775807}},{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}},{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o\"}}]}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b173\",\"attributes\":[{\"key\":\"gen_ai.usage.cost\",\"value\":{\"doubleValue\":1e308}},{\"key\":\"total_cost\",\"value\":{\"doubleValue\":\"NaN\"}},{\"key\":\"cpst.cost_usd\",\"value\":{\"stringValue\":\"-Infinity\"}}]}]}]}]}",
        "{\"resourceSpans\":null,\"resourceSpans\":[],\"resourceSpans\":{}}",
        "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"a\",\"value\":{\"arrayValue\":{\"values\":[" + string.Join(',', Enumerable.Repeat("{\"stringValue\":\"x\"}", 500)) + "]}}}]}}}]}}]}",
        "\uFEFF{\"resourceSpans\":[]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"\\u0035b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b173\"}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b173\",\"attributes\":[{\"key\":\"cpst.use_case\",\"value\":{\"stringValue\":\"\\ud800\"}}]}]}]}]}",
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b173\",\"status\":{\"code\":\"STATUS_CODE_ERROR\"},\"kind\":\"SPAN_KIND_SERVER\"}]}]}]}",
        // Hostile numbers: times at 0 and 2^64-1, an end before the start, integers past 64 bits, 1e400, -0, NaN spelled
        // where an integer belongs.
        HostileSpan("\"startTimeUnixNano\":\"18446744073709551615\",\"endTimeUnixNano\":\"0\"", "{\"intValue\":\"1\"}"),
        HostileSpan("\"startTimeUnixNano\":0,\"endTimeUnixNano\":18446744073709551615", "{\"intValue\":-0}"),
        HostileSpan("\"startTimeUnixNano\":\"1700000002000000000\",\"endTimeUnixNano\":\"1700000000000000000\"", "{\"intValue\":9223372036854775807}"),
        HostileSpan("\"startTimeUnixNano\":\"18446744073709551616\"", "{\"intValue\":1}"),
        HostileSpan("\"startTimeUnixNano\":-0", "{\"intValue\":1}"),
        HostileSpan("\"startTimeUnixNano\":1e400", "{\"intValue\":1}"),
        HostileSpan("\"endTimeUnixNano\":\"NaN\"", "{\"intValue\":1}"),
        HostileSpan("\"startTimeUnixNano\":\"1\"", "{\"intValue\":9223372036854775808}"),
        HostileSpan("\"startTimeUnixNano\":\"1\"", "{\"intValue\":\"-99999999999999999999999\"}"),
        HostileSpan("\"startTimeUnixNano\":\"1\"", "{\"intValue\":1e400}"),
        HostileSpan("\"startTimeUnixNano\":\"1\"", "{\"intValue\":\"NaN\"}"),
        HostileSpan("\"startTimeUnixNano\":\"1\"", "{\"doubleValue\":1e400}"),
        HostileSpan("\"startTimeUnixNano\":\"1\"", "{\"doubleValue\":-0.0}"),
        HostileSpan("\"startTimeUnixNano\":\"1\",\"startTimeUnixNano\":\"2\",\"spanId\":\"eee19b7ec3c1b174\"", "{\"intValue\":3,\"intValue\":4}"),
    ];

    /// <summary>One LLM span with <paramref name="fields"/> and an input token count of <paramref name="tokens"/>.</summary>
    private static string HostileSpan(string fields, string tokens) =>
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60d\",\"spanId\":\"eee19b7ec3c1b173\"," + fields +
        ",\"attributes\":[{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}},{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o\"}},{\"key\":\"gen_ai.usage.input_tokens\",\"value\":" +
        tokens + "}]}]}]}]}";

    private static readonly ExportTraceServiceRequest[] ProtobufSeeds = BuildProtobufSeeds();
    private static readonly byte[][] JsonSeeds = BuildJsonSeeds().Select(Encoding.UTF8.GetBytes).ToArray();
    private static readonly byte[] JsonAlphabet = "{}[]\":,0123456789.-eE \\nulltruefalse\"traceIdspanIdattributesvalue"u8.ToArray();

    public static FuzzCase[] Cases(ulong seed, int count) =>
        CaseGen.Sample(numberOfSamples: count, seed: new Rnd(seed), size: 30).ToArray();

    private static readonly Gen<(int Kind, int Position, int Length, byte Value)> Edit =
        from kind in Gen.Choose(0, 5)
        from position in Gen.Choose(0, int.MaxValue)
        from length in Gen.Frequency((6, Gen.Choose(1, 4)), (1, Gen.Choose(5, 64)))
        from value in Gen.Choose(0, 255)
        select (kind, position, length, (byte)value);

    private static byte[] Mutate(byte[] payload, (int Kind, int Position, int Length, byte Value)[] edits, byte[]? alphabet = null)
    {
        var bytes = new List<byte>(payload);
        foreach (var (kind, position, length, raw) in edits)
        {
            byte value = alphabet is null ? raw : alphabet[raw % alphabet.Length];
            if (bytes.Count == 0) { bytes.Add(value); continue; }
            int at = position % bytes.Count;
            int n = Math.Min(length, bytes.Count - at);
            switch (kind)
            {
                case 0: bytes[at] = alphabet is null ? (byte)(bytes[at] ^ (1 << (value & 7))) : value; break;
                case 1: bytes[at] = value; break;
                case 2: bytes.RemoveRange(at, bytes.Count - at); break;
                case 3: bytes.InsertRange(at, Enumerable.Repeat(value, length)); break;
                case 4: bytes.RemoveRange(at, n); break;
                default: bytes.InsertRange(at, bytes.GetRange(at, n)); break;
            }
        }
        return bytes.ToArray();
    }

    private static Gen<byte[]> RandomBytes(int max) =>
        Gen.Choose(0, max).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n));

    private static readonly Gen<(byte[] Payload, bool Json, string Origin)> PayloadGen = Gen.Frequency(
        (35, from seed in Gen.Choose(0, ProtobufSeeds.Length - 1)
             from edits in Gen.Choose(1, 6).SelectMany(n => Gen.ArrayOf(Edit, n))
             select (Mutate(ProtobufSeeds[seed].ToByteArray(), edits), false, $"protobuf seed {seed} mutated")),
        (30, from seed in Gen.Choose(0, JsonSeeds.Length - 1)
             from edits in Gen.Choose(1, 6).SelectMany(n => Gen.ArrayOf(Edit, n))
             select (Mutate(JsonSeeds[seed], edits, JsonAlphabet), true, $"JSON seed {seed} mutated")),
        (5, from a in Gen.Choose(0, ProtobufSeeds.Length - 1)
            from b in Gen.Choose(0, ProtobufSeeds.Length - 1)
            from cut in Gen.Choose(0, int.MaxValue)
            select (Splice(ProtobufSeeds[a].ToByteArray(), ProtobufSeeds[b].ToByteArray(), cut), false, $"protobuf seeds {a}+{b} spliced")),
        (10, RandomBytes(300).Select(b => (b, false, "random bytes"))),
        (5, RandomBytes(100).Select(b => (b, true, "random bytes as JSON"))),
        (5, Gen.Elements(HostileJson).Select(j => (Encoding.UTF8.GetBytes(j), true, "hostile JSON"))),
        (10, Gen.Choose(0, ProtobufSeeds.Length - 1).Select(s => (ProtobufSeeds[s].ToByteArray(), false, $"protobuf seed {s}"))),
        (6, from value in Gen.Elements(HostileStrings.All)
            from trace in Gen.Choose(100, 10_000)
            from json in Gen.Elements(false, true)
            from edits in Gen.Frequency((2, Gen.Constant(Array.Empty<(int, int, int, byte)>())), (1, Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(Edit, n))))
            select HostileNames(value, trace, json || value.JsonOnly, edits)),
        (1, Gen.Elements(false, true).Select(json => (Oversized(json), json, "over the size limit"))));

    /// <summary>
    /// A task whose every name is a hostile string (invalid UTF-8, control characters, separators, lone surrogate escapes,
    /// far over the label value cut), as sent or mutated.
    /// </summary>
    private static (byte[] Payload, bool Json, string Origin) HostileNames(HostileString value, int trace, bool json, (int, int, int, byte)[] edits)
    {
        byte[] payload = json ? HostileStrings.Json(trace, value) : HostileStrings.Protobuf(trace, value);
        string origin = $"{value} as {(json ? "JSON" : "protobuf")}";
        return edits.Length == 0 ? (payload, json, origin) : (Mutate(payload, edits, json ? JsonAlphabet : null), json, origin + " mutated");
    }

    /// <summary>A valid request a little over 256 KiB: too large as sent, or, gzip-compressed, only once inflated.</summary>
    private static byte[] Oversized(bool json) => json
        ? Encoding.UTF8.GetBytes("{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"pad\",\"value\":{\"stringValue\":\"" + new string('x', 300_000) + "\"}}]}}]}")
        : Spans.Request([Spans.Attr("service.name", "fuzz-seed"), Spans.Attr("pad", new string('x', 300_000))], Spans.Root(7)).ToByteArray();

    private static byte[] Splice(byte[] a, byte[] b, int cut) => [.. a.AsSpan(0, cut % (a.Length + 1)), .. b.AsSpan(cut % (b.Length + 1))];

    private static readonly Gen<FuzzCase> CaseGen =
        from payload in PayloadGen
        from toOtherReceiver in Gen.Frequency((8, Gen.Constant(false)), (1, Gen.Constant(true)))
        from grpc in Gen.Elements(true, false)
        from gzip in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Constant(1)), (1, Gen.Constant(2))) // 1 = gzip, 2 = claim gzip, send plain
        from contentType in Gen.Frequency((12, Gen.Constant<string?>(null)), (1, Gen.Elements<string?>("text/plain", "application/json; charset=utf-8", "APPLICATION/X-PROTOBUF", "application/grpc+proto", "")))
        from delta in Gen.Frequency((12, Gen.Constant(0)), (1, Gen.Elements(-3, -1, 1, 7, 1 << 20)))
        select Dress(payload, toOtherReceiver, grpc, gzip, contentType, delta);

    private static FuzzCase Dress((byte[] Payload, bool Json, string Origin) p, bool swap, bool grpc, int gzip, string? contentType, int delta)
    {
        FuzzTarget target = p.Json ? FuzzTarget.HttpJson : grpc ? FuzzTarget.Grpc : FuzzTarget.HttpProtobuf;
        if (swap) target = target == FuzzTarget.HttpJson ? FuzzTarget.HttpProtobuf : FuzzTarget.HttpJson; // the wrong reader for the bytes
        return new FuzzCase(target, p.Payload, gzip == 1, gzip >= 1, contentType, target == FuzzTarget.Grpc ? delta : 0, p.Origin);
    }

    private static ExportTraceServiceRequest[] BuildProtobufSeeds()
    {
        Span withEvents = Spans.Llm(3, 2, "claude-sonnet-4", 5000, 700, Spans.Attr("gen_ai.usage.cache_read.input_tokens", 1000L),
            Spans.Attr("gen_ai.provider.name", "anthropic"), Spans.Attr("gen_ai.usage.cost", 0.25));
        withEvents.Events.Add(new Span.Types.Event { Name = "gen_ai.choice", TimeUnixNano = 1, Attributes = { Spans.Attr("index", 0L) } });
        withEvents.Links.Add(new Span.Types.Link { TraceId = ByteString.CopyFrom(Spans.TraceId(4)), SpanId = ByteString.CopyFrom(Spans.SpanId(1)) });
        withEvents.Status = new Status { Code = Status.Types.StatusCode.Error, Message = "rate limited" };
        var arrayValue = new KeyValue { Key = "tags", Value = new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { StringValue = "a" }, new AnyValue { IntValue = 2 } } } } };

        ExportTraceServiceRequest twoResources = Spans.Request("fuzz-seed-a", Spans.Root(5, Spans.Attr("outcome", "success")));
        twoResources.ResourceSpans.Add(Spans.Request([Spans.Attr("service.name", "fuzz-seed-b"), Spans.Attr("deployment.environment.name", "prod")],
            Spans.Child(5, 2, Spans.Attr("openinference.span.kind", "TOOL"), Spans.Attr("tool.name", "web_search"))).ResourceSpans[0]);
        return
        [
            Spans.Request("fuzz-seed", Spans.Root(1, Spans.Attr("outcome", "success")), Spans.Llm(1, 2, "gpt-4o", 1000, 200), Spans.Tool(1, 3, "web_search")),
            Spans.Request("fuzz-seed", Spans.Root(2, Spans.Attr("cpst.use_case", "fuzz-triage"), Spans.Attr("total_cost", 1.5), Spans.Attr("cpst.variant", "b"))),
            Spans.Request([Spans.Attr("service.name", "fuzz-seed"), arrayValue], withEvents, Spans.Root(3, Spans.Attr("task.outcome", false))),
            twoResources,
            Spans.Request("fuzz-seed", Spans.Llm(6, 2, "o3", 100, 900, Spans.Attr("gen_ai.usage.reasoning.output_tokens", 800L)), Spans.Child(6, 3, Spans.Attr("llm.token_count.prompt", 9L))),
            new ExportTraceServiceRequest(),
            Spans.Request("fuzz-seed", Timed(Spans.Root(7, Spans.Attr("outcome", "success")), 0, ulong.MaxValue),
                Timed(Spans.Llm(7, 2, "gpt-4o", long.MaxValue, 0), ulong.MaxValue, 0), Timed(Spans.Tool(7, 3, "web_search"), 1_700_000_002_000_000_000, 1_700_000_000_000_000_000)),
        ];
    }

    private static Span Timed(Span span, ulong start, ulong end)
    {
        (span.StartTimeUnixNano, span.EndTimeUnixNano) = (start, end);
        return span;
    }

    private static string[] BuildJsonSeeds() =>
    [
        HttpReceiverTestsTrace,
        """{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"fuzz-json"}},{"key":"deployment.environment","value":{"stringValue":"staging"}}]},"scopeSpans":[{"scope":{"name":"agent"},"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"invoke_agent","kind":1,"startTimeUnixNano":"1","endTimeUnixNano":"2","status":{"code":2,"message":"boom"},"attributes":[{"key":"cpst.outcome","value":{"boolValue":true}},{"key":"cpst.task_cost_usd","value":{"doubleValue":0.125}},{"key":"list","value":{"arrayValue":{"values":[{"intValue":"1"},{"doubleValue":2.5}]}}}],"events":[{"name":"e","timeUnixNano":"3","attributes":[]}],"links":[]}]}]}]}""",
        """{"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"0af7651916cd43dd8448eb211c80319d","span_id":"b7ad6b7169203332","parent_span_id":"b7ad6b7169203331","attributes":[{"key":"llm.model_name","value":{"string_value":"gpt-4o-mini"}},{"key":"openinference.span.kind","value":{"string_value":"LLM"}},{"key":"llm.token_count.prompt","value":{"int_value":100}},{"key":"llm.token_count.completion","value":{"int_value":"50"}}]}]}]}]}""",
        """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319e","spanId":"b7ad6b7169203333","attributes":[{"key":"outcome","value":{"stringValue":"resolved"}},{"key":"gen_ai.agent.name","value":{"stringValue":"fuzz-agent"}}]}]}],"schemaUrl":"x"}]}""",
    ];

    private const string HttpReceiverTestsTrace = EndToEnd.HttpReceiverTests.ReadmeTrace;
}
