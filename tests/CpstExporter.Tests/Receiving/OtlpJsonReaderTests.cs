using System.Text;
using CpstExporter.Receiving;
using CpstExporter.Receiving.Otlp;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;

namespace CpstExporter.Tests.Receiving;

public class OtlpJsonReaderTests
{
    private static readonly string Trace1 = Spans.TraceHex(1);
    private static readonly string Root1 = Convert.ToHexStringLower(Spans.SpanId(1));
    private static readonly string Span2 = Convert.ToHexStringLower(Spans.SpanId(2));

    /// <summary>Fills in the ids: @T1 and @T2 trace ids, @S1 and @S2 span ids, @X the test's own value.</summary>
    private static string J(string json, string x = "") => json
        .Replace("@U1", Trace1.ToUpperInvariant()).Replace("@T1", Trace1).Replace("@T2", Spans.TraceHex(2)).Replace("@S1", Root1).Replace("@S2", Span2).Replace("@X", x);

    private static SpanBatch Read(string json) => Batches.DecodeJson(json);

    private static AttributeRecord Attribute(SpanBatch batch, string key)
    {
        foreach (AttributeRecord attribute in batch.Attributes)
            if (Encoding.UTF8.GetString(batch.KeyOf(attribute)) == key) return attribute;
        throw new Xunit.Sdk.XunitException($"no attribute {key}:\n{Batches.Describe(batch)}");
    }

    private static string OneSpan(string spanFields, string attributes = "[]") => J("""
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
          "scopeSpans":[{"scope":{"name":"test"},"spans":[{"traceId":"@T1","spanId":"@S2",@FIELDS"attributes":@ATTRS}]}]}]}
        """).Replace("@FIELDS", spanFields).Replace("@ATTRS", attributes);

    // ---------------------------------------------------------------- the same request as protobuf and as JSON

    public static TheoryData<string> SameRequests => new() { "basic", "mixed", "snake_case" };

    private static (ExportTraceServiceRequest Protobuf, string Json) Pair(string name) => name switch
    {
        "basic" => (
            Spans.Request("svc", Spans.Root(1, Spans.Attr("outcome", "success")), Spans.Llm(1, 2, "gpt-4o", 1000, 200)),
            J("""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
              "scopeSpans":[{"scope":{"name":"agent","version":"1.2.3"},"spans":[
                {"traceId":"@T1","spanId":"@S1","name":"span","kind":1,
                 "startTimeUnixNano":"1700000000000000001","endTimeUnixNano":"1700000001000000001",
                 "attributes":[{"key":"outcome","value":{"stringValue":"success"}}]},
                {"traceId":"@T1","spanId":"@S2","parentSpanId":"@S1","name":"span",
                 "startTimeUnixNano":"1700000000000000002","endTimeUnixNano":"1700000001000000002",
                 "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
                               {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
                               {"key":"gen_ai.usage.input_tokens","value":{"intValue":"1000"}},
                               {"key":"gen_ai.usage.output_tokens","value":{"intValue":200}}]}]}]}]}
            """)),
        "mixed" => (MixedRequest(), J("""
            {"resourceSpans":[
              {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}},
                                         {"key":"deployment.environment.name","value":{"stringValue":"prod"}}]},
               "scopeSpans":[{"spans":[
                 {"traceId":"@T1","spanId":"@S1","startTimeUnixNano":1700000000000000001,"endTimeUnixNano":1700000001000000001,
                  "status":{"code":2,"message":"boom"},
                  "attributes":[{"key":"cost","value":{"doubleValue":0.25}},{"key":"flag","value":{"boolValue":true}},
                                {"key":"list","value":{"arrayValue":{"values":[{"intValue":"1"}]}}},
                                {"key":"nothing","value":{}}],
                  "events":[{"name":"e","attributes":[{"key":"event.attr","value":{"stringValue":"x"}}]}]},
                 {"traceId":"@T1","spanId":"00000000000000000000","attributes":[{"key":"dropped","value":{"stringValue":"x"}}]},
                 {"traceId":"0123","spanId":"@S2"}]}]},
              {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"other"}}]},
               "scopeSpans":[{"spans":[
                 {"traceId":"@T2","spanId":"@S2","parentSpanId":"@S1",
                  "startTimeUnixNano":"1700000000000000002","endTimeUnixNano":"1700000001000000002","status":{"code":1},
                  "attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":"-5"}}]}]}]}]}
            """)),
        _ => (
            Spans.Request("svc", Spans.Root(1, Spans.Attr("outcome", "success"), Spans.Attr("n", 3L))),
            J("""
            {"resource_spans":[{"resource":{"attributes":[{"value":{"string_value":"svc"},"key":"service.name"}]},
              "scope_spans":[{"spans":[
                {"trace_id":"@U1","span_id":"@S1","parent_span_id":"",
                 "start_time_unix_nano":"1700000000000000001","end_time_unix_nano":"1700000001000000001",
                 "attributes":[{"value":{"string_value":"success"},"key":"outcome"},{"key":"n","value":{"int_value":3}}]}]}]}]}
            """)),
    };

    private static ExportTraceServiceRequest MixedRequest()
    {
        Span root = Spans.Root(1, Spans.Attr("cost", 0.25), Spans.Attr("flag", true),
            new KeyValue { Key = "list", Value = new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { IntValue = 1 } } } } },
            new KeyValue { Key = "nothing", Value = new AnyValue() });
        root.Status = new Status { Code = Status.Types.StatusCode.Error, Message = "boom" };
        root.Events.Add(new Span.Types.Event { Name = "e", Attributes = { Spans.Attr("event.attr", "x") } });
        Span badSpanId = Spans.Root(1, Spans.Attr("dropped", "x"));
        badSpanId.SpanId = ByteString.CopyFrom(new byte[10]);
        Span badTraceId = Spans.Child(1, 2);
        badTraceId.TraceId = ByteString.CopyFrom([0x01, 0x23]);
        ExportTraceServiceRequest request = Spans.Request(
            [Spans.Attr("service.name", "svc"), Spans.Attr("deployment.environment.name", "prod")], root, badSpanId, badTraceId);

        Span other = Spans.Make(2, 2, 1, Spans.Attr("gen_ai.usage.input_tokens", -5L));
        other.Status = new Status { Code = Status.Types.StatusCode.Ok };
        request.ResourceSpans.Add(Spans.Request("other", other).ResourceSpans[0]);
        return request;
    }

    [Theory]
    [MemberData(nameof(SameRequests))]
    public void Read_JsonOfARequest_SameBatchAsItsProtobuf(string name)
    {
        var (protobuf, json) = Pair(name);

        string fromProtobuf = Batches.Describe(Batches.Decode(protobuf));
        string fromJson = Batches.Describe(Read(json));

        Assert.Equal(fromProtobuf, fromJson);
        Assert.Contains("span trace=", fromJson);
    }

    // ---------------------------------------------------------------- the OTLP JSON mapping

    [Fact]
    public void Read_HexIds_DecodedAsBytes()
    {
        SpanBatch batch = Read(OneSpan(J("\"parentSpanId\":\"@S1\",")));

        SpanRecord span = Assert.Single(batch.Spans.ToArray());
        Assert.Equal(Trace1, span.TraceId.ToString());
        Assert.Equal(0x000000020000000bUL, span.SpanId);
        Assert.Equal(0x000000010000000bUL, span.ParentSpanId);
    }

    [Theory]
    [InlineData("\"1000\"")]
    [InlineData("1000")]
    public void Read_IntValueAsStringOrNumber_SameInt(string json)
    {
        SpanBatch batch = Read(OneSpan("", J("""[{"key":"tokens","value":{"intValue":@X}}]""", json)));

        AttributeRecord attribute = Attribute(batch, "tokens");
        Assert.Equal(AttributeValueKind.Int, attribute.Kind);
        Assert.Equal(1000, attribute.Int);
    }

    [Theory]
    [InlineData("\"-9223372036854775808\"", long.MinValue)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void Read_IntValueAtTheInt64Limits_Exact(string json, long expected)
    {
        Assert.Equal(expected, Attribute(Read(OneSpan("", J("""[{"key":"n","value":{"intValue":@X}}]""", json))), "n").Int);
    }

    [Theory]
    [InlineData("\"1700000000000000001\"")]
    [InlineData("1700000000000000001")]
    public void Read_TimesAsStringOrNumber_Exact(string json)
    {
        SpanRecord span = Read(OneSpan(J("\"startTimeUnixNano\":@X,\"endTimeUnixNano\":@X,", json))).Spans[0];

        Assert.Equal(1_700_000_000_000_000_001UL, span.StartTimeUnixNano);
        Assert.Equal(1_700_000_000_000_000_001UL, span.EndTimeUnixNano);
    }

    [Theory]
    [InlineData("0.25", 0.25)]
    [InlineData("\"0.25\"", 0.25)]
    [InlineData("1e-3", 0.001)]
    [InlineData("\"Infinity\"", double.PositiveInfinity)]
    [InlineData("\"-Infinity\"", double.NegativeInfinity)]
    public void Read_DoubleValue_NumberOrProtobufJsonString(string json, double expected)
    {
        AttributeRecord attribute = Attribute(Read(OneSpan("", J("""[{"key":"d","value":{"doubleValue":@X}}]""", json))), "d");

        Assert.Equal(AttributeValueKind.Double, attribute.Kind);
        Assert.Equal(expected, attribute.Double);
    }

    [Fact]
    public void Read_DoubleValueNaN_IsNaN()
    {
        Assert.True(double.IsNaN(Attribute(Read(OneSpan("", """[{"key":"d","value":{"doubleValue":"NaN"}}]""")), "d").Double));
    }

    [Fact]
    public void Read_SnakeCaseKeys_SameAsCamelCase()
    {
        string camel = OneSpan("\"startTimeUnixNano\":\"5\",\"endTimeUnixNano\":\"6\",\"status\":{\"code\":2},",
            """[{"key":"a","value":{"stringValue":"x"}},{"key":"b","value":{"intValue":"1"}},{"key":"c","value":{"doubleValue":1.5}},{"key":"d","value":{"boolValue":false}}]""");
        string snake = camel.Replace("resourceSpans", "resource_spans").Replace("scopeSpans", "scope_spans")
            .Replace("traceId", "trace_id").Replace("spanId", "span_id").Replace("startTimeUnixNano", "start_time_unix_nano")
            .Replace("endTimeUnixNano", "end_time_unix_nano").Replace("stringValue", "string_value").Replace("intValue", "int_value")
            .Replace("doubleValue", "double_value").Replace("boolValue", "bool_value");
        Assert.NotEqual(camel, snake);

        Assert.Equal(Batches.Describe(Read(camel)), Batches.Describe(Read(snake)));
    }

    [Fact]
    public void Read_UnknownFieldsAnywhere_Ignored()
    {
        string json = J("""
            {"unknownTop":{"deep":[1,{"x":null}]},
             "resourceSpans":[{"schemaUrl":"s","resource":{"droppedAttributesCount":0,"attributes":[{"key":"service.name","value":{"stringValue":"svc"},"extra":1}]},
               "scopeSpans":[{"scope":{"name":"n","attributes":[{"key":"scope.attr","value":{"stringValue":"no"}}]},"schemaUrl":"x","spans":[
                 {"traceId":"@T1","spanId":"@S2","traceState":"a=b","flags":257,"kind":"SPAN_KIND_CLIENT","links":[],"droppedEventsCount":0,
                  "status":{"message":"m","code":2,"extra":[true]},
                  "attributes":[{"key":"k","future":{"a":1},"value":{"stringValue":"v"}}],
                  "futureField":[[],{}]}]}]}]}
            """);

        SpanBatch batch = Read(json);

        SpanRecord span = Assert.Single(batch.Spans.ToArray());
        Assert.Equal(2, span.StatusCode);
        Assert.Equal(1, span.AttributeCount);
        Assert.Equal(AttributeValueKind.String, Attribute(batch, "k").Kind);
        Assert.Equal("v", Encoding.UTF8.GetString(batch.StringOf(Attribute(batch, "k"))));
        Assert.Equal(2, batch.AttributeCount); // service.name and k: scope attributes are not span attributes
    }

    [Fact]
    public void Read_KeyAfterValue_AttributeStillComplete()
    {
        SpanBatch batch = Read(OneSpan("", """
            [{"value":{"stringValue":"gpt-4o"},"key":"gen_ai.request.model"},
             {"value":{"intValue":"12"},"key":"gen_ai.usage.input_tokens"},
             {"key":"plain","value":{"boolValue":true}}]
            """));

        Assert.Equal("gpt-4o", Encoding.UTF8.GetString(batch.StringOf(Attribute(batch, "gen_ai.request.model"))));
        Assert.Equal(12, Attribute(batch, "gen_ai.usage.input_tokens").Int);
        Assert.Equal(1, Attribute(batch, "plain").Int);
        Assert.Equal(3, batch.Spans[0].AttributeCount);
    }

    [Fact]
    public void Read_WithKeySets_KeepsTheNamedAttributesWithTheirCodesWhereverTheKeyStands()
    {
        var keys = new AttributeKeySet([("gen_ai.request.model"u8.ToArray(), 3), ("kéy"u8.ToArray(), 4), ("service.name"u8.ToArray(), 5)]);
        string json = OneSpan("", """
            [{"value":{"stringValue":"gpt-4o"},"key":"gen_ai.request.model"},
             {"value":{"intValue":"12"},"key":"gen_ai.usage.input_tokens"},
             {"key":"k\u00e9y","value":{"boolValue":true}},
             {"key":"plain","value":{"stringValue":"x"}}]
            """);
        var kept = new SpanBatch(SpanBatch.DefaultMaxDecodedBytes, keys, keys);
        OtlpJsonReader.Read(Encoding.UTF8.GetBytes(json), kept);

        Assert.Equal(Batches.Describe(Batches.Only(Read(json), keys)), Batches.Describe(kept));
        Assert.Equal([5, 3, 4], kept.Attributes.ToArray().Select(a => a.Code));
        Assert.Equal("gpt-4o", Encoding.UTF8.GetString(kept.StringOf(Attribute(kept, "gen_ai.request.model"))));
    }

    [Theory]
    [InlineData(@"line\nbreak", "line\nbreak")]
    [InlineData("quote \\\"here\\\"", "quote \"here\"")]
    [InlineData(@"back\\slash", @"back\slash")]
    [InlineData(@"caf\u00e9 \ud83d\ude00", "café 😀")]
    [InlineData(@"\/tab\t", "/tab\t")]
    [InlineData("raw é 模型", "raw é 模型")]
    public void Read_EscapedStrings_Unescaped(string escaped, string expected)
    {
        SpanBatch batch = Read(OneSpan("", J("""[{"key":"k\u00e9y","value":{"stringValue":"@X"}}]""", escaped)));

        Assert.Equal(expected, Encoding.UTF8.GetString(batch.StringOf(Attribute(batch, "kéy"))));
    }

    [Theory]
    [InlineData(@"a\ud800b", "a\uFFFDb")]                       // a high surrogate alone
    [InlineData(@"\udc00", "\uFFFD")]                            // a low surrogate alone
    [InlineData(@"\ud800\ud800", "\uFFFD\uFFFD")]               // two highs: neither has its low
    [InlineData(@"\ud83d\ude00\ud800", "😀\uFFFD")]             // a pair, then a lone high
    [InlineData(@"\ud800\n\u0041", "\uFFFD\nA")]                // the escapes after it still unescaped
    [InlineData(@"end\ud83d", "end\uFFFD")]                      // a high at the very end
    public void Read_LoneSurrogateEscapes_BecomeReplacementCharactersAndTheRequestCounts(string escaped, string expected)
    {
        SpanBatch batch = Read(OneSpan("", J("""[{"key":"k\u00e9y","value":{"stringValue":"@X"}}]""", escaped)));

        Assert.Equal(expected, Encoding.UTF8.GetString(batch.StringOf(Attribute(batch, "kéy"))));
        Assert.Equal(1, batch.Spans.Length);
    }

    [Theory]
    [InlineData("{\"code\":2}", 2)]
    [InlineData("{\"code\":1}", 1)]
    [InlineData("{\"code\":0}", 0)]
    [InlineData("{\"code\":\"STATUS_CODE_ERROR\"}", 2)]
    [InlineData("{\"code\":\"STATUS_CODE_OK\"}", 1)]
    [InlineData("{\"message\":\"no code\"}", 0)]
    [InlineData("{}", 0)]
    [InlineData("null", 0)]
    public void Read_StatusCode_NumberOrEnumName(string status, int code)
    {
        Assert.Equal(code, Read(OneSpan($"\"status\":{status},")).Spans[0].StatusCode);
    }

    [Fact]
    public void Read_NullsWhereArraysOrObjectsGo_Accepted()
    {
        SpanBatch batch = Read(J("""
            {"resourceSpans":[{"resource":null,"scopeSpans":[{"spans":[{"traceId":"@T1","spanId":"@S2","parentSpanId":null,"attributes":null,"status":null}]}]},
                              {"scopeSpans":null}]}
            """));

        Assert.Equal(1, batch.SpanCount);
        Assert.True(batch.Spans[0].IsRoot);
        Assert.Equal(2, batch.ResourceCount);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"resourceSpans\":[]}")]
    [InlineData("{\"resourceSpans\":null}")]
    public void Read_EmptyRequest_NoSpans(string json)
    {
        SpanBatch batch = Read(json);

        Assert.Equal(0, batch.SpanCount);
        Assert.Equal(0, batch.RejectedSpans);
    }

    public static TheoryData<string, string> BadTraceIds => new()
    {
        { "\"0123\"", "too short" },
        { $"\"{Spans.TraceHex(1)}00\"", "too long" },
        { "\"00000000000000000000000000000000\"", "all zero" },
        { "\"zz000000000000000000000000000000\"", "not hex" },
        { "\"AAECAwQFBgcICQoLDA0ODw==\"", "base64, as protobuf's own JSON writes bytes" },
        { "12", "a number" },
        { "null", "null" },
    };

    [Theory]
    [MemberData(nameof(BadTraceIds))]
    public void Read_InvalidTraceId_SpanRejectedAsInvalidTraceId(string traceId, string why)
    {
        string json = J("""
            {"resourceSpans":[{"scopeSpans":[{"spans":[
              {"traceId":@X,"spanId":"@S2","attributes":[{"key":"gone","value":{"stringValue":"x"}}]},
              {"traceId":"@T1","spanId":"@S1"}]}]}]}
            """, traceId);

        SpanBatch batch = Read(json);

        Assert.True(batch.SpanCount == 1, why);
        Assert.Equal(1, batch.RejectedFor(RejectionReason.InvalidTraceId));
        Assert.Equal(0, batch.AttributeCount);
        Assert.Contains("traceId", batch.RejectionMessage);
    }

    [Theory]
    [InlineData("\"spanId\":\"0011\",")]
    [InlineData("\"spanId\":\"0000000000000000\",")]
    [InlineData("\"parentSpanId\":\"01\",")]
    public void Read_InvalidSpanOrParentId_SpanRejectedAsInvalidSpanId(string fields)
    {
        string spanId = fields.Contains("\"spanId\"", StringComparison.Ordinal) ? "" : J("\"spanId\":\"@S2\",");
        string json = J("""{"resourceSpans":[{"scopeSpans":[{"spans":[{@X"traceId":"@T1"}]}]}]}""", spanId + fields);

        SpanBatch batch = Read(json);

        Assert.Equal(0, batch.SpanCount);
        Assert.Equal(1, batch.RejectedFor(RejectionReason.InvalidSpanId));
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "{", "invalid JSON at line 1" },
        { "{\"resourceSpans\":[", "invalid JSON" },
        { "{\"resourceSpans\":[{]}", "invalid JSON" },
        { "{'resourceSpans':[]}", "invalid JSON" },
        { "{\"a\":1} {}", "invalid JSON" },
        { "[]", "request must be a JSON object" },
        { "\"text\"", "request must be a JSON object" },
        { "{\"resourceSpans\":{}}", "expected an array" },
        { "{\"resourceSpans\":[{\"scopeSpans\":{}}]}", "scopeSpans must be an array" },
        { "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":{}}]}]}", "spans must be an array" },
        { "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[1]}]}]}", "span must be a JSON object" },
        { "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":5}]}]}]}]}", "attribute key must be a string" },
        { "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":\"12x\"}}]}]}]}]}", "intValue" },
        { "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":1.5}}]}]}]}]}", "intValue" },
        { "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"k\",\"value\":{\"boolValue\":\"true\"}}]}]}]}]}", "boolValue" },
        { "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"k\",\"value\":{\"stringValue\":1}}]}]}]}]}", "stringValue" },
        { "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"k\",\"value\":{\"doubleValue\":\"lots\"}}]}]}]}]}", "doubleValue" },
        { "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":-1}]}]}]}", "startTimeUnixNano" },
        { "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"status\":{\"code\":true}}]}]}]}", "status.code" },
        { "{\"resourceSpans\":[] // comment\n}", "invalid JSON" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Read_Malformed_OtlpFormatExceptionWithAMessage(string json, string expected)
    {
        var error = Assert.Throws<OtlpFormatException>(() => Read(json));

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n")]
    public void Read_EmptyBody_IsAnEmptyRequest(string body)
    {
        SpanBatch batch = Read(body);

        Assert.Equal(0, batch.SpanCount);
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    public void Read_DoubleValueOutOfRange_OtlpFormatExceptionOrInfinity(string number)
    {
        Exception? error = Record.Exception(() => Read(OneSpan("", J("""[{"key":"d","value":{"doubleValue":@X}}]""", number))));

        Assert.True(error is null or OtlpFormatException, $"threw {error?.GetType().Name}: {error?.Message}");
    }

    [Fact]
    public void Read_NestedTooDeep_OtlpFormatException()
    {
        string json = "{\"x\":" + string.Concat(Enumerable.Repeat("[", 100)) + string.Concat(Enumerable.Repeat("]", 100)) + "}";

        Assert.Throws<OtlpFormatException>(() => Read(json));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("4294967296")]
    [InlineData("1e3")]
    public void Read_StatusCodeNotAnInt32_OtlpFormatException(string code)
    {
        Exception? error = Record.Exception(() => Read(OneSpan("\"status\":{\"code\":" + code + "},")));

        Assert.True(error is null or OtlpFormatException, $"threw {error?.GetType().Name}: {error?.Message}");
    }

    // ---------------------------------------------------------------- robustness

    [Fact]
    public void Read_MutatedJson_OnlyOtlpFormatExceptionOrSuccess()
    {
        byte[][] seeds = new[] { "basic", "mixed", "snake_case" }.Select(name => Encoding.UTF8.GetBytes(Pair(name).Json)).ToArray();
        byte[] alphabet = "{}[]\":,0123456789.-eE \\nulltruefalse"u8.ToArray();
        var batch = new SpanBatch();
        Gen<(int Seed, (int Position, int Kind, byte Value)[] Edits)> cases =
            from seed in Gen.Choose(0, seeds.Length - 1)
            from count in Gen.Choose(1, 4)
            from edits in Gen.ArrayOf(
                from position in Gen.Choose(0, int.MaxValue)
                from kind in Gen.Choose(0, 2)
                from value in Gen.Elements(alphabet)
                select (position, kind, value), count)
            select (seed, edits);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var bytes = new List<byte>(seeds[c.Seed]);
            foreach (var (position, kind, value) in c.Edits)
            {
                int at = position % bytes.Count;
                if (kind == 0) bytes[at] = value;
                else if (kind == 1) bytes.Insert(at, value);
                else bytes.RemoveAt(at);
            }
            batch.Clear();
            try
            {
                OtlpJsonReader.Read(bytes.ToArray(), batch);
            }
            catch (OtlpFormatException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
        }));
    }

    [Fact]
    public void Read_MillionEmptyAttributeObjects_RefusedAsTooLargeWithinTheBudget()
    {
        // "{}," is 3 bytes and a 40-byte record: 3 MB that would take 40 MB.
        byte[] payload = HostilePayloads.EmptyAttributesJson(1_000_000);
        var batch = new SpanBatch();

        var error = Assert.Throws<RequestTooLargeException>(() => OtlpJsonReader.Read(payload, batch));

        Assert.Contains("once decoded", error.Message);
        long budget = (long)payload.Length * SpanBatch.DecodedBytesPerReceivedByte + SpanBatch.DecodeAllowance;
        Assert.True(batch.CapacityBytes <= budget + new SpanBatch().CapacityBytes, $"{batch.CapacityBytes} bytes of arrays for a budget of {budget}");
    }
}
