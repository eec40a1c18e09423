using System.Text;
using CpstExporter.Conventions;
using CpstExporter.Receiving;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.Receiving;

/// <summary>
/// Evaluation events as both readers find them (docs/operations.md, "Evaluation events"): OTLP log records, read for
/// <c>gen_ai.evaluation.result</c> events alone, and span events of that name. Each case is built once with the
/// generated classes and read as protobuf and as OTLP/JSON.
/// </summary>
public class EvaluationEventReaderTests
{
    public static TheoryData<string> Formats => new() { "protobuf", "json" };

    private static SpanBatch Logs(ExportLogsServiceRequest request, string format)
    {
        var batch = new SpanBatch();
        if (format == "json") OtlpJsonReader.Read(Encoding.UTF8.GetBytes(OtlpJson.From(request)), batch, ExportSignal.Logs);
        else OtlpProtobufReader.Read(request.ToByteArray(), batch, ExportSignal.Logs);
        return batch;
    }

    private static SpanBatch Traces(ExportTraceServiceRequest request, string format)
    {
        var batch = new SpanBatch();
        if (format == "json") OtlpJsonReader.Read(Encoding.UTF8.GetBytes(OtlpJson.From(request)), batch, ExportSignal.Traces);
        else OtlpProtobufReader.Read(request.ToByteArray(), batch, ExportSignal.Traces);
        return batch;
    }

    private static SpanBatch LogsJson(string json)
    {
        var batch = new SpanBatch();
        OtlpJsonReader.ReadLogs(Encoding.UTF8.GetBytes(json), batch);
        return batch;
    }

    private static (string Trace, string Name, string? Label, double? Score) Read(SpanBatch batch, int index)
    {
        EvaluationRecord e = batch.Evaluations[index];
        return (e.TraceId.ToString(), Encoding.UTF8.GetString(batch.NameOf(in e)),
            e.LabelLength > 0 ? Encoding.UTF8.GetString(batch.LabelOf(in e)) : null, e.HasScore ? e.Score : null);
    }

    // ---------------------------------------------------------------- log records

    [Theory]
    [MemberData(nameof(Formats))]
    public void Logs_EvaluationEvent_KeepsTraceNameLabelAndScore(string format)
    {
        SpanBatch batch = Logs(Evaluations.Request(Evaluations.Record(1, "unit_tests", "pass", 0.75), Evaluations.Record(2, "judge", score: 0.25)), format);

        Assert.Equal(2, batch.EvaluationCount);
        Assert.Equal((Spans.TraceHex(1), "unit_tests", "pass", 0.75), Read(batch, 0));
        Assert.Equal((Spans.TraceHex(2), "judge", (string?)null, 0.25), Read(batch, 1));
        Assert.Equal(0, batch.IgnoredLogRecords);
        Assert.Equal(0, batch.SpanCount);
        Assert.False(batch.IsPartialSuccess);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Logs_EventNameAttribute_StandsInForTheField(string format)
    {
        LogRecord record = Evaluations.Record(Spans.TraceId(3), eventName: null,
            [Spans.Attr("event.name", Evaluations.EventName), .. Evaluations.Attributes("judge", "fail")]);

        SpanBatch batch = Logs(Evaluations.Request(record), format);

        Assert.Equal((Spans.TraceHex(3), "judge", "fail", (double?)null), Read(batch, 0));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Logs_EventNameField_WinsOverTheAttribute(string format)
    {
        LogRecord record = Evaluations.Record(Spans.TraceId(3), "app.checkout",
            [Spans.Attr("event.name", Evaluations.EventName), .. Evaluations.Attributes("judge", "pass")]);

        SpanBatch batch = Logs(Evaluations.Request(record), format);

        Assert.Equal(0, batch.EvaluationCount);
        Assert.Equal(1, batch.IgnoredFor(IgnoredLogRecordReason.NotEvaluation));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Logs_IntegerScore_IsANumber(string format)
    {
        LogRecord record = Evaluations.Record(Spans.TraceId(4), Evaluations.EventName,
            Spans.Attr("gen_ai.evaluation.name", "rubric"), Spans.Attr("gen_ai.evaluation.score.value", 4L));

        Assert.Equal((Spans.TraceHex(4), "rubric", (string?)null, 4.0), Read(Logs(Evaluations.Request(record), format), 0));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Logs_OrdinaryRecords_AreIgnoredAsNotEvaluation_WithoutAWarning(string format)
    {
        SpanBatch batch = Logs(Evaluations.Request(
            Evaluations.Record(Spans.TraceId(1), eventName: null, Spans.Attr("http.route", "/checkout")),
            Evaluations.Record(Spans.TraceId(1), "exception", Evaluations.Attributes("judge", "pass")),
            Evaluations.Record(null, null)), format);

        Assert.Equal(0, batch.EvaluationCount);
        Assert.Equal(3, batch.IgnoredFor(IgnoredLogRecordReason.NotEvaluation));
        Assert.Equal(3, batch.IgnoredLogRecords);
        Assert.False(batch.IsPartialSuccess); // the logs endpoint is meant to take every log record
    }

    /// <summary>Evaluation events that cannot be used, each with the reason (its label value) it is counted under.</summary>
    public static TheoryData<string, string, string> Unusable()
    {
        var data = new TheoryData<string, string, string>();
        foreach (string format in new[] { "protobuf", "json" })
        {
            data.Add(format, "no trace id", IgnoredLogRecordReason.NoTraceId.LabelValue());
            data.Add(format, "all-zero trace id", IgnoredLogRecordReason.NoTraceId.LabelValue());
            data.Add(format, "8-byte trace id", IgnoredLogRecordReason.InvalidTraceId.LabelValue());
            data.Add(format, "no name", IgnoredLogRecordReason.NoEvaluationName.LabelValue());
            data.Add(format, "empty name", IgnoredLogRecordReason.NoEvaluationName.LabelValue());
            data.Add(format, "name not a string", IgnoredLogRecordReason.NoEvaluationName.LabelValue());
            data.Add(format, "no label, no score", IgnoredLogRecordReason.NoScore.LabelValue());
            data.Add(format, "score as a string", IgnoredLogRecordReason.InvalidScore.LabelValue());
            data.Add(format, "score as a bool", IgnoredLogRecordReason.InvalidScore.LabelValue());
            data.Add(format, "NaN score", IgnoredLogRecordReason.InvalidScore.LabelValue());
            data.Add(format, "label not a string", IgnoredLogRecordReason.InvalidScore.LabelValue());
            data.Add(format, "10 kB label", IgnoredLogRecordReason.TooLong.LabelValue());
            data.Add(format, "129-byte name", IgnoredLogRecordReason.TooLong.LabelValue());
        }
        return data;
    }

    private static LogRecord UnusableRecord(string name) => name switch
    {
        "no trace id" => Evaluations.Record(null, Evaluations.EventName, Evaluations.Attributes("judge", "pass")),
        "all-zero trace id" => Evaluations.Record(new byte[16], Evaluations.EventName, Evaluations.Attributes("judge", "pass")),
        "8-byte trace id" => Evaluations.Record(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, Evaluations.EventName, Evaluations.Attributes("judge", "pass")),
        "no name" => Evaluations.Record(1, null, "pass", 0.5),
        "empty name" => Evaluations.Record(1, "", "pass"),
        "name not a string" => Evaluations.Record(Spans.TraceId(1), Evaluations.EventName, Spans.Attr("gen_ai.evaluation.name", 7L), Spans.Attr("gen_ai.evaluation.score.label", "pass")),
        "no label, no score" => Evaluations.Record(1, "judge"),
        "score as a string" => Evaluations.Record(Spans.TraceId(1), Evaluations.EventName, Spans.Attr("gen_ai.evaluation.name", "judge"), Spans.Attr("gen_ai.evaluation.score.value", "0.9")),
        "score as a bool" => Evaluations.Record(Spans.TraceId(1), Evaluations.EventName, Spans.Attr("gen_ai.evaluation.name", "judge"), Spans.Attr("gen_ai.evaluation.score.value", true)),
        "NaN score" => Evaluations.Record(1, "judge", "pass", double.NaN),
        "label not a string" => Evaluations.Record(Spans.TraceId(1), Evaluations.EventName, Spans.Attr("gen_ai.evaluation.name", "judge"), Spans.Attr("gen_ai.evaluation.score.label", 1L)),
        "10 kB label" => Evaluations.Record(1, "judge", new string('p', 10_000), 0.9),
        "129-byte name" => Evaluations.Record(1, new string('n', 129), "pass"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Theory]
    [MemberData(nameof(Unusable))]
    public void Logs_UnusableEvaluationEvent_IsIgnoredUnderItsReason_AndNamedInTheAnswer(string format, string name, string label)
    {
        IgnoredLogRecordReason reason = Enum.GetValues<IgnoredLogRecordReason>().Single(r => r.LabelValue() == label);
        SpanBatch batch = Logs(Evaluations.Request(UnusableRecord(name), Evaluations.Record(9, "kept", "pass")), format);

        Assert.Equal(1, batch.EvaluationCount); // the request's other record counts
        Assert.Equal("kept", Read(batch, 0).Name);
        Assert.Equal(1, batch.IgnoredFor(reason));
        Assert.Equal(1, batch.IgnoredLogRecords);
        Assert.True(batch.IsPartialSuccess);
        Assert.Equal(reason.Problem(), batch.RejectionMessage);
        Assert.Equal(0, batch.RejectedSpans);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Logs_NameAndLabelAtTheLimit_AreKept(string format)
    {
        string name = new('n', EvaluationEvent.MaxValueBytes), label = new('l', EvaluationEvent.MaxValueBytes);

        SpanBatch batch = Logs(Evaluations.Request(Evaluations.Record(1, name, label)), format);

        Assert.Equal((Spans.TraceHex(1), name, label, (double?)null), Read(batch, 0));
    }

    [Fact]
    public void EvaluationEvent_MaxValueBytes_IsTheLongestLabelValue() =>
        Assert.Equal(LabelValueCache.MaxValueBytes, EvaluationEvent.MaxValueBytes);

    [Theory]
    [MemberData(nameof(Formats))]
    public void Logs_TenThousandEvaluationsOfOneTrace_AreAllRead(string format)
    {
        LogRecord[] records = Enumerable.Range(0, 10_000).Select(i => Evaluations.Record(1, $"check-{i % 100}", i % 2 == 0 ? "pass" : "fail")).ToArray();

        SpanBatch batch = Logs(Evaluations.Request(records), format);

        Assert.Equal(10_000, batch.EvaluationCount);
        Assert.Equal((Spans.TraceHex(1), "check-99", "fail", (double?)null), Read(batch, 9_999));
    }

    [Fact]
    public void Logs_EvaluationsPastTheDecodeBudget_AreTooLarge()
    {
        // The records and their strings are charged to the batch's budget like spans: a small ceiling is soon reached.
        byte[] request = Evaluations.Request(Enumerable.Range(0, 200).Select(i => Evaluations.Record(1, "judge", "pass")).ToArray()).ToByteArray();
        var batch = new SpanBatch(maxDecodedBytes: 4_000);

        Assert.Throws<RequestTooLargeException>(() => OtlpProtobufReader.Read(request, batch, ExportSignal.Logs));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Logs_EmptyBody_IsAnEmptyRequest(string format)
    {
        var batch = new SpanBatch();
        if (format == "json") OtlpJsonReader.Read(""u8, batch, ExportSignal.Logs);
        else OtlpProtobufReader.Read([], batch, ExportSignal.Logs);

        Assert.Equal((0, 0), (batch.EvaluationCount, batch.IgnoredLogRecords));
    }

    [Fact]
    public void Logs_TruncatedProtobuf_IsMalformed()
    {
        byte[] request = Evaluations.Request(Evaluations.Record(1, "judge", "pass")).ToByteArray();

        Assert.Throws<OtlpFormatException>(() => OtlpProtobufReader.Read(request.AsSpan(0, request.Length - 3), new SpanBatch(), ExportSignal.Logs));
    }

    [Theory]
    [InlineData("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"gen_ai.evaluation.result",""")]
    [InlineData("""{"resourceLogs":{"scopeLogs":[]}}""")]
    [InlineData("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":7}]}]}]}]}""")]
    [InlineData("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":5}]}]}]}""")]
    public void LogsJson_Malformed_IsMalformed(string json) =>
        Assert.Throws<OtlpFormatException>(() => LogsJson(json));

    [Fact]
    public void LogsJson_SnakeCaseValueBeforeKeyAndEscapedKey_AreRead()
    {
        string json = $$$$"""
            {"resource_logs":[{"scope_logs":[{"log_records":[
              {"attributes":[
                 {"value":{"string_value":"pass"},"key":"gen_ai.evaluation.score.label"},
                 {"key":"gen_ai.evaluation.\u006eame","value":{"stringValue":"judge"}},
                 {"key":"gen_ai.evaluation.score.value","value":{"intValue":"3"}},
                 {"key":"gen_ai.evaluation.explanation","value":{"kvlistValue":{"values":[]}}}],
               "trace_id":"{{{{Spans.TraceHex(5).ToUpperInvariant()}}}}","event_name":"gen_ai.evaluation.result"}]}]}]}
            """;

        SpanBatch batch = LogsJson(json);

        Assert.Equal((Spans.TraceHex(5), "judge", "pass", 3.0), Read(batch, 0));
    }

    // ---------------------------------------------------------------- span events

    [Theory]
    [MemberData(nameof(Formats))]
    public void SpanEvent_Evaluation_TakesTheSpansTrace(string format)
    {
        SpanBatch batch = Traces(Spans.Request("svc",
            Spans.Root(1).With(Evaluations.Event("exception", Spans.Attr("exception.type", "TimeoutException")), Evaluations.Event("judge", "pass", 0.8)),
            Spans.Child(2, 2).With(Evaluations.Event("unit_tests", score: 0.4),
                new Span.Types.Event { Name = Evaluations.EventName, Attributes = { Evaluations.Attributes("style", "fail") } })), format); // no time: the name first

        Assert.Equal(2, batch.SpanCount);
        Assert.Equal(3, batch.EvaluationCount);
        Assert.Equal((Spans.TraceHex(1), "judge", "pass", 0.8), Read(batch, 0));
        Assert.Equal((Spans.TraceHex(2), "unit_tests", (string?)null, 0.4), Read(batch, 1));
        Assert.Equal((Spans.TraceHex(2), "style", "fail", (double?)null), Read(batch, 2));
        Assert.False(batch.IsPartialSuccess);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void SpanEvent_OtherEvents_AddNothing(string format)
    {
        SpanBatch batch = Traces(Spans.Request("svc", Spans.Root(1).With(
            Evaluations.Event("exception", Evaluations.Attributes("judge", "pass")),
            Evaluations.Event("gen_ai.evaluation.resulx", Evaluations.Attributes("judge", "pass")), // as long as the name
            Evaluations.Event("gen_ai.client.inference.operation.details", Spans.Attr("gen_ai.output.type", "text")))), format);

        Assert.Equal((1, 0, 0), (batch.SpanCount, batch.EvaluationCount, batch.IgnoredAttributes));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void SpanEvent_OnARefusedSpan_GoesWithIt(string format)
    {
        Span broken = Spans.Root(1).With(Evaluations.Event("judge", "pass"));
        broken.TraceId = ByteString.CopyFrom(new byte[8]);

        SpanBatch batch = Traces(Spans.Request("svc", broken, Spans.Root(2).With(Evaluations.Event("judge", "fail"))), format);

        Assert.Equal(1, batch.RejectedSpans);
        Assert.Equal(1, batch.EvaluationCount);
        Assert.Equal((Spans.TraceHex(2), "judge", "fail", (double?)null), Read(batch, 0));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void SpanEvent_Unusable_IsAnIgnoredAttribute_AndTheSpanCounts(string format)
    {
        SpanBatch batch = Traces(Spans.Request("svc", Spans.Root(1, Spans.Attr("outcome", "success")).With(
            Evaluations.Event(null, "pass"), Evaluations.Event("judge", new string('x', 200)))), format);

        Assert.Equal((1, 0), (batch.SpanCount, batch.EvaluationCount));
        Assert.Equal(2, batch.IgnoredFor(IgnoredAttributeReason.InvalidEvaluationEvent));
        Assert.Equal(0, batch.RejectedSpans);
        Assert.Equal("span " + IgnoredLogRecordReason.NoEvaluationName.Problem() + "; the span counted", batch.RejectionMessage);
    }

    [Fact]
    public void SpanEventProtobuf_AttributesBeforeTheName_AreRead()
    {
        // Every SDK writes an event's name first; the wire format does not require it, and the generated classes would
        // write it first again, so the request is put together by hand.
        byte[] evaluation = [.. Evaluations.Attributes("judge", "pass").SelectMany(a => Field(3, a.ToByteArray())),
            .. Field(2, Encoding.UTF8.GetBytes(Evaluations.EventName))];
        byte[] span = [.. Spans.Root(1).ToByteArray(), .. Field(11, evaluation)];
        byte[] request = Field(1, Field(2, Field(2, span)));
        var batch = new SpanBatch();

        OtlpProtobufReader.Read(request, batch);

        Assert.Equal(1, batch.SpanCount);
        Assert.Equal((Spans.TraceHex(1), "judge", "pass", (double?)null), Read(batch, 0));
    }

    /// <summary>A length-delimited protobuf field.</summary>
    private static byte[] Field(int number, byte[] payload)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(payload));
        output.Flush();
        return stream.ToArray();
    }

    [Fact]
    public void SpanEventJson_BeforeTheTraceId_TakesTheSpansTrace()
    {
        string json = $$$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[
              {"events":[{"attributes":[{"key":"gen_ai.evaluation.name","value":{"stringValue":"judge"}},
                                        {"key":"gen_ai.evaluation.score.value","value":{"doubleValue":"Infinity"}}],
                          "name":"gen_ai.evaluation.result"},
                         {"name":"gen_ai.evaluation.result","attributes":[{"key":"gen_ai.evaluation.name","value":{"stringValue":"tests"}},
                                                                          {"key":"gen_ai.evaluation.score.value","value":{"doubleValue":1}}]}],
               "traceId":"{{{Spans.TraceHex(6)}}}","spanId":"{{{Convert.ToHexStringLower(Spans.SpanId(1))}}}"}]}]}]}
            """;

        SpanBatch batch = Batches.DecodeJson(json);

        Assert.Equal(1, batch.EvaluationCount);
        Assert.Equal((Spans.TraceHex(6), "tests", (string?)null, 1.0), Read(batch, 0));
        Assert.Equal(1, batch.IgnoredFor(IgnoredAttributeReason.InvalidEvaluationEvent)); // the infinite score
    }
}
