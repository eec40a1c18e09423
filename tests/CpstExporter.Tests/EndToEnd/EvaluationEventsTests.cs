using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CpstExporter.Receiving;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Evaluation events end to end (docs/operations.md, "Evaluation events"): OTLP log records over <c>POST /v1/logs</c>
/// and <c>LogsService/Export</c>, and span events on <c>/v1/traces</c>, judging the task of their trace under a use
/// case's outcome policy, with what <c>/metrics</c> and the task API then say.
/// </summary>
public sealed class EvaluationEventsTests
{
    private static readonly HttpClient Client = new();

    private const string UseCase = "grader";
    private const string Token = "evaluator-token";
    private const string LogsGrpcPath = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

    /// <summary>Only the <c>unit_tests</c> evaluation decides the use case's outcome.</summary>
    private static readonly Dictionary<string, string?> UnitTestsDecide = new()
    {
        [$"Cpst:UseCases:{UseCase}:Outcome:Signals:0"] = "evaluation:unit_tests",
    };

    private const string TaskRest = "model=\"none\",environment=\"none\",variant=\"none\"";

    private static async Task<HttpResponseMessage> PostAsync(ExporterUnderTest exporter, string path, byte[] body, string contentType,
        bool gzip = false, string? bearer = null)
    {
        if (gzip) body = Gzip(body);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (gzip) content.Headers.ContentEncoding.Add("gzip");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(exporter.HttpAddress, path)) { Content = content };
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return await Client.SendAsync(request);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.Fastest)) zip.Write(data);
        return compressed.ToArray();
    }

    private static async Task<HttpResponseMessage> PostLogsAsync(ExporterUnderTest exporter, ExportLogsServiceRequest request, bool json = false,
        bool gzip = false, string? bearer = null) =>
        await PostAsync(exporter, "/v1/logs", json ? Encoding.UTF8.GetBytes(OtlpJson.From(request)) : request.ToByteArray(),
            json ? "application/json" : "application/x-protobuf", gzip, bearer);

    private static Task SendSpansAsync(ExporterUnderTest exporter, params Span[] spans) => SendSpansAsync(exporter, null, spans);

    private static async Task SendSpansAsync(ExporterUnderTest exporter, string? bearer, params Span[] spans)
    {
        using HttpResponseMessage response = await PostAsync(exporter, "/v1/traces", Spans.Request(UseCase, spans).ToByteArray(), "application/x-protobuf", bearer: bearer);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static Dictionary<string, decimal> Series(string exposition, string metric) =>
        MetricsText.Samples(exposition, metric).ToDictionary(s => s.Labels, s => s.Value);

    /// <summary>The nonzero series of <c>cpst_ignored_log_records_total</c>, by reason.</summary>
    private static Dictionary<string, decimal> Ignored(string exposition) =>
        MetricsText.Samples(exposition, "cpst_ignored_log_records_total").Where(s => s.Value != 0).ToDictionary(s => s.Labels, s => s.Value);

    private static async Task<JsonElement> TaskAsync(ExporterUnderTest exporter, int trace)
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri(exporter.MetricsAddress, $"/api/v1/tasks/{Spans.TraceHex(trace)}"));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    // ---------------------------------------------------------------- deciding tasks

    [Fact]
    public async Task Logs_EvaluationDecidesTaskUnderPolicy_SeriesExact()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(UnitTestsDecide);
        await SendSpansAsync(exporter, Spans.Root(1), Spans.Root(2, Spans.Attr("outcome", "success")));
        using HttpResponseMessage response = await PostLogsAsync(exporter, Evaluations.Request(
            Evaluations.Record(1, "unit_tests", "pass", 1.0),
            Evaluations.Record(1, "style", "fail", 0.2),
            Evaluations.Record(2, "unit_tests", "fail", 0.0)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        exporter.Settle();
        Assert.Equal(0, exporter.Tasks.PendingCount);

        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(new Dictionary<string, decimal>
        {
            [$"use_case=\"{UseCase}\",evaluation=\"unit_tests\",result=\"pass\""] = 1,
            [$"use_case=\"{UseCase}\",evaluation=\"unit_tests\",result=\"fail\""] = 1,
            [$"use_case=\"{UseCase}\",evaluation=\"style\",result=\"fail\""] = 1,
        }, Series(metrics, "cpst_evaluations_total"));
        Assert.Equal(new Dictionary<string, decimal>
        {
            [$"use_case=\"{UseCase}\",source=\"evaluation\",outcome=\"success\""] = 1,
            [$"use_case=\"{UseCase}\",source=\"evaluation\",outcome=\"failure\""] = 1,
        }, Series(metrics, "cpst_outcomes_by_source_total"));
        Assert.Equal(new Dictionary<string, decimal>
        {
            [$"use_case=\"{UseCase}\",outcome=\"success\",{TaskRest}"] = 1,
            [$"use_case=\"{UseCase}\",outcome=\"failure\",{TaskRest}"] = 1,
        }, Series(metrics, "cpst_tasks_total"));
        Assert.Empty(Ignored(metrics));
        Assert.Equal(2m, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"http_protobuf\"}")); // log records are not spans

        JsonElement task = await TaskAsync(exporter, 1);
        Assert.Equal(("success", "evaluation"), (task.GetProperty("outcome").GetString(), task.GetProperty("outcome_source").GetString()));
        Assert.Equal(["style:fail", "unit_tests:pass"], task.GetProperty("evaluations").EnumerateArray()
            .Select(e => $"{e.GetProperty("name").GetString()}:{e.GetProperty("result").GetString()}").Order());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task HttpLogs_ProtobufOrJson_GzipOrNot_ApplyTheEvaluation(bool json, bool gzip)
    {
        await using var exporter = await ExporterUnderTest.StartAsync(UnitTestsDecide);
        await SendSpansAsync(exporter, Spans.Root(1));

        using HttpResponseMessage response = await PostLogsAsync(exporter, Evaluations.Request(Evaluations.Record(1, "unit_tests", "passed")), json, gzip);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(json ? "application/json" : "application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(json ? "{}" : "", await response.Content.ReadAsStringAsync());
        exporter.Settle();
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), $"cpst_tasks_total{{use_case=\"{UseCase}\",outcome=\"success\",{TaskRest}}}"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GrpcLogs_GrpcNetClient_ApplyTheEvaluation(bool gzip)
    {
        await using var exporter = await ExporterUnderTest.StartAsync(UnitTestsDecide);
        await SendSpansAsync(exporter, Spans.Root(1));
        using GrpcChannel channel = GrpcClient.Channel(exporter.GrpcAddress);

        byte[] answer = await GrpcClient.ExportAsync(channel, Evaluations.Request(Evaluations.Record(1, "unit_tests", "fail", 0.1)).ToByteArray(),
            gzip, method: GrpcClient.ExportLogs);

        Assert.Empty(answer);
        exporter.Settle();
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), $"cpst_tasks_total{{use_case=\"{UseCase}\",outcome=\"failure\",{TaskRest}}}"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SpanEvent_OnTheRootOfANewTrace_DecidesItsOwnTask(bool json)
    {
        await using var exporter = await ExporterUnderTest.StartAsync(UnitTestsDecide);
        ExportTraceServiceRequest request = Spans.Request(UseCase,
            Spans.Root(1).With(Evaluations.Event("unit_tests", "pass", 0.9)), Spans.Tool(1, 2, "web_search"));

        using HttpResponseMessage response = json
            ? await PostAsync(exporter, "/v1/traces", Encoding.UTF8.GetBytes(OtlpJson.From(request)), "application/json")
            : await PostAsync(exporter, "/v1/traces", request.ToByteArray(), "application/x-protobuf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, exporter.Tasks.HeldOutcomeEntries); // it joined the task its spans began, not the held verdicts
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(1m, MetricsText.Required(metrics, $"cpst_tasks_total{{use_case=\"{UseCase}\",outcome=\"success\",{TaskRest}}}"));
        Assert.Equal(1m, MetricsText.Required(metrics, $"cpst_evaluations_total{{use_case=\"{UseCase}\",evaluation=\"unit_tests\",result=\"pass\"}}"));
        Assert.Equal(0.01m, MetricsText.Required(metrics, $"cpst_task_cost_usd_total{{use_case=\"{UseCase}\",outcome=\"success\",{TaskRest}}}"));
    }

    [Fact]
    public async Task SpanEvent_Unusable_SpanCounts_AnsweredAsAWarning()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using HttpResponseMessage response = await PostAsync(exporter, "/v1/traces",
            Spans.Request(UseCase, Spans.Root(1, Spans.Attr("outcome", "success")).With(Evaluations.Event(null, "pass"))).ToByteArray(), "application/x-protobuf");

        var answer = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(0, answer.PartialSuccess.RejectedSpans);
        Assert.Contains("without gen_ai.evaluation.name", answer.PartialSuccess.ErrorMessage);
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(1m, MetricsText.Required(metrics, "cpst_ignored_attributes_total{reason=\"invalid_evaluation_event\"}"));
        Assert.Equal(1m, MetricsText.Required(metrics, $"cpst_tasks_total{{use_case=\"{UseCase}\",outcome=\"success\",{TaskRest}}}"));
        Assert.Empty(Ignored(metrics)); // a span event is not a log record
    }

    // ---------------------------------------------------------------- bad input and bounds

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Logs_UnusableRecords_AcceptedIgnoredByReason_AnsweredAsAWarning(bool json)
    {
        await using var exporter = await ExporterUnderTest.StartAsync(UnitTestsDecide);
        await SendSpansAsync(exporter, Spans.Root(1));
        ExportLogsServiceRequest request = Evaluations.Request(
            Evaluations.Record(null, Evaluations.EventName, Evaluations.Attributes("unit_tests", "pass")),
            Evaluations.Record(1, null, "pass", 1.0),
            Evaluations.Record(Spans.TraceId(1), Evaluations.EventName, Spans.Attr("gen_ai.evaluation.name", "unit_tests"), Spans.Attr("gen_ai.evaluation.score.value", "high")),
            Evaluations.Record(1, "unit_tests", new string('p', 10_000)),
            Evaluations.Record(Spans.TraceId(1), null, Spans.Attr("http.route", "/grade")),
            Evaluations.Record(1, "unit_tests", "pass"));

        using HttpResponseMessage response = await PostLogsAsync(exporter, request, json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string expected = IgnoredLogRecordReason.NoTraceId.Problem();
        if (json)
        {
            JsonElement partial = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("partialSuccess");
            Assert.Equal(("0", expected), (partial.GetProperty("rejectedLogRecords").GetString(), partial.GetProperty("errorMessage").GetString()));
        }
        else
        {
            var answer = ExportLogsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal((0L, expected), (answer.PartialSuccess.RejectedLogRecords, answer.PartialSuccess.ErrorMessage));
        }
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(new Dictionary<string, decimal>
        {
            ["reason=\"not_evaluation\""] = 1,
            ["reason=\"no_trace_id\""] = 1,
            ["reason=\"no_evaluation_name\""] = 1,
            ["reason=\"invalid_score\""] = 1,
            ["reason=\"too_long\""] = 1,
        }, Ignored(metrics));
        Assert.Equal(Enum.GetValues<IgnoredLogRecordReason>().Length, MetricsText.Samples(metrics, "cpst_ignored_log_records_total").Count());
        Assert.Equal(new Dictionary<string, decimal> { [$"use_case=\"{UseCase}\",evaluation=\"unit_tests\",result=\"pass\""] = 1 },
            Series(metrics, "cpst_evaluations_total"));
    }

    [Fact]
    public async Task Logs_TenThousandEvaluationsOfOneTrace_StayBounded_CountsExact()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        await SendSpansAsync(exporter, Spans.Root(1));
        // 10,000 distinct evaluations of a pending task and of a trace not seen yet, each in one request: each keeps 16.
        foreach (int trace in new[] { 1, 2 })
        {
            using HttpResponseMessage response = await PostLogsAsync(exporter,
                Evaluations.Request(Enumerable.Range(0, 10_000).Select(i => Evaluations.Record(trace, $"check-{i}", i % 2 == 0 ? "pass" : "fail")).ToArray()));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        // Re-runs of one name replace its verdict: no more kept, none dropped.
        using (HttpResponseMessage again = await PostLogsAsync(exporter,
            Evaluations.Request(Enumerable.Range(0, 1_000).Select(i => Evaluations.Record(1, "check-0", "pass")).ToArray())))
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await SendSpansAsync(exporter, Spans.Root(2));
        exporter.Settle();

        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(2 * (10_000m - 16), MetricsText.Required(metrics, "cpst_dropped_outcomes_total"));
        Assert.Equal(32m, MetricsText.Sum(metrics, "cpst_evaluations_total"));
        // The first 16 names of each, the same for both tasks: 16 series of 2.
        Assert.Equal(Enumerable.Range(0, 16).Select(i => ($"use_case=\"{UseCase}\",evaluation=\"check-{i}\",result=\"{(i % 2 == 0 ? "pass" : "fail")}\"", 2m)).Order(),
            MetricsText.Samples(metrics, "cpst_evaluations_total").Order());
        Assert.Equal(2m, MetricsText.Sum(metrics, "cpst_tasks_total"));
        exporter.Settle(900); // past the outcome window, nothing is held any more
        Assert.Equal(0, exporter.Tasks.HeldOutcomeEntries);
    }

    [Fact]
    public async Task Logs_EvaluationOfAFinishedTask_CountedLate_ChangesNothing()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        await SendSpansAsync(exporter, Spans.Root(1, Spans.Attr("outcome", "success")));
        exporter.Settle();

        using HttpResponseMessage response = await PostLogsAsync(exporter, Evaluations.Request(Evaluations.Record(1, "unit_tests", "fail")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(1m, MetricsText.Required(metrics, "cpst_late_outcomes_total"));
        Assert.Equal(1m, MetricsText.Required(metrics, $"cpst_tasks_total{{use_case=\"{UseCase}\",outcome=\"success\",{TaskRest}}}"));
        Assert.Empty(Series(metrics, "cpst_evaluations_total"));
    }

    // ---------------------------------------------------------------- the receivers' rules, as for traces

    [Fact]
    public async Task Logs_EmptyRequest_Succeeds()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using HttpResponseMessage protobuf = await PostAsync(exporter, "/v1/logs", [], "application/x-protobuf");
        using HttpResponseMessage json = await PostAsync(exporter, "/v1/logs", "{}"u8.ToArray(), "application/json");
        using GrpcChannel channel = GrpcClient.Channel(exporter.GrpcAddress);

        byte[] answer = await GrpcClient.ExportAsync(channel, [], method: GrpcClient.ExportLogs);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (protobuf.StatusCode, json.StatusCode));
        Assert.Equal("{}", await json.Content.ReadAsStringAsync());
        Assert.Empty(answer);
    }

    [Fact]
    public async Task Logs_Malformed_Answers400OrInvalidArgument()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using HttpResponseMessage protobuf = await PostAsync(exporter, "/v1/logs", [0x0A, 0x05, 0x12], "application/x-protobuf");
        using HttpResponseMessage json = await PostAsync(exporter, "/v1/logs", "{\"resourceLogs\":[{"u8.ToArray(), "application/json");
        using GrpcChannel channel = GrpcClient.Channel(exporter.GrpcAddress);

        var grpc = await Assert.ThrowsAsync<RpcException>(() => GrpcClient.ExportAsync(channel, [0x0A, 0x05, 0x12], method: GrpcClient.ExportLogs));

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (protobuf.StatusCode, json.StatusCode));
        var status = global::CpstExporter.Receiving.Rpc.Status.Parser.ParseFrom(await protobuf.Content.ReadAsByteArrayAsync());
        Assert.Equal(3, status.Code);
        Assert.Contains("malformed OTLP protobuf request", status.Message);
        Assert.Equal(3, JsonDocument.Parse(await json.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetInt32());
        Assert.Equal(StatusCode.InvalidArgument, grpc.StatusCode);
        Assert.Equal(3m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"malformed\"}"));
    }

    [Fact]
    public async Task Logs_TooLarge_Answers413OrResourceExhausted()
    {
        const int limit = 100_000;
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Limits:MaxRequestBytes"] = "100000" });
        byte[] large = Evaluations.Request(Evaluations.Record(1, "judge", new string('x', limit))).ToByteArray();

        using HttpResponseMessage http = await PostAsync(exporter, "/v1/logs", large, "application/x-protobuf");
        using HttpResponseMessage grpc = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, large, path: LogsGrpcPath);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, http.StatusCode);
        Assert.Equal(8, GrpcCall.Status(grpc));
        Assert.Contains("Cpst:Limits:MaxRequestBytes", GrpcCall.Message(grpc));
        Assert.Equal(2m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"too_large\"}"));
    }

    [Fact]
    public async Task Logs_WithoutValidToken_Refused_WithTokenApplied()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>(UnitTestsDecide) { ["Cpst:Auth:Tokens:0"] = Token });
        await SendSpansAsync(exporter, Token, Spans.Root(1));
        ExportLogsServiceRequest request = Evaluations.Request(Evaluations.Record(1, "unit_tests", "pass"));
        using GrpcChannel channel = GrpcClient.Channel(exporter.GrpcAddress);

        using HttpResponseMessage missing = await PostLogsAsync(exporter, request);
        using HttpResponseMessage wrong = await PostLogsAsync(exporter, request, bearer: "guess");
        var grpc = await Assert.ThrowsAsync<RpcException>(() => GrpcClient.ExportAsync(channel, request.ToByteArray(), method: GrpcClient.ExportLogs));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (missing.StatusCode, wrong.StatusCode));
        Assert.Equal(StatusCode.Unauthenticated, grpc.StatusCode);
        exporter.Settle();
        Assert.Equal(1, exporter.Tasks.PendingCount); // no verdict came in: it waits for unit_tests

        byte[] answer = await GrpcClient.ExportAsync(channel, request.ToByteArray(), bearer: Token, method: GrpcClient.ExportLogs);
        Assert.Empty(answer);
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(3m, MetricsText.Required(metrics, "cpst_rejected_requests_total{reason=\"unauthenticated\"}"));
        Assert.Equal(1m, MetricsText.Required(metrics, $"cpst_tasks_total{{use_case=\"{UseCase}\",outcome=\"success\",{TaskRest}}}"));
    }

    // ---------------------------------------------------------------- the OpenTelemetry .NET SDK as the client

    /// <summary>
    /// What the SDK's OTLP log exporter (1.20) sends for an ILogger log whose <c>EventId</c> is named
    /// <c>gen_ai.evaluation.result</c>, as a Collector would receive it: the name in the <c>event_name</c> field, no
    /// <c>event.name</c> attribute, the state's pairs as typed attributes and the current activity's trace id.
    /// </summary>
    [Fact]
    public async Task Sdk_IloggerEventIdName_IsSentAsTheEventNameField()
    {
        await using OtlpCollector collector = await OtlpCollector.StartAsync();
        using (ILoggerFactory logging = SdkLogging(OtlpExportProtocol.HttpProtobuf, new Uri(collector.Endpoint, "/v1/logs")))
            LogEvaluation(logging.CreateLogger("evaluator"), 7);

        CpstExporter.Receiving.Otlp.LogRecord record = Assert.Single(collector.Logs.Select(l => l.Record), r => r.EventName.Length > 0);
        Assert.Equal(Evaluations.EventName, record.EventName);
        Assert.DoesNotContain(record.Attributes, a => a.Key == "event.name");
        Assert.Equal(Spans.TraceId(7), record.TraceId.ToByteArray());
        Assert.Equal("unit_tests", OtlpCollector.Attribute(record.Attributes, "gen_ai.evaluation.name"));
        Assert.Equal(0.97, record.Attributes.Single(a => a.Key == "gen_ai.evaluation.score.value").Value.DoubleValue);
    }

    private static ILoggerFactory SdkLogging(OtlpExportProtocol protocol, Uri endpoint) =>
        LoggerFactory.Create(builder => builder.AddOpenTelemetry(options => options.AddOtlpExporter(otlp =>
        {
            otlp.Protocol = protocol;
            otlp.Endpoint = endpoint;
        })));

    /// <summary>Logs a unit_tests evaluation (pass, 0.97) of trace <paramref name="trace"/>, and an ordinary record beside it.</summary>
    private static void LogEvaluation(ILogger log, int trace)
    {
        using Activity evaluated = new Activity("evaluate").SetParentId(ActivityTraceId.CreateFromBytes(Spans.TraceId(trace)),
            ActivitySpanId.CreateFromBytes(Spans.SpanId(1)), ActivityTraceFlags.Recorded).Start();
        log.Log(LogLevel.Information, new EventId(1, Evaluations.EventName), new List<KeyValuePair<string, object?>>
        {
            new("gen_ai.evaluation.name", "unit_tests"),
            new("gen_ai.evaluation.score.label", "pass"),
            new("gen_ai.evaluation.score.value", 0.97),
            new("gen_ai.evaluation.explanation", "all 42 tests passed"),
        }, null, (_, _) => "unit tests evaluated");
        log.LogInformation("grading finished for {Trace}", Spans.TraceHex(trace));
    }

    /// <summary>
    /// An ILogger log sent by the SDK's OTLP log exporter: the <c>EventId</c>'s name becomes the record's
    /// <c>event_name</c> field, the state's pairs its attributes and the current activity its trace id.
    /// </summary>
    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Sdk_IloggerEvaluationEvent_DecidesTheTask(OtlpExportProtocol protocol)
    {
        await using var exporter = await ExporterUnderTest.StartAsync(UnitTestsDecide);
        await SendSpansAsync(exporter, Spans.Root(7));

        using (ILoggerFactory logging = SdkLogging(protocol, protocol == OtlpExportProtocol.Grpc ? exporter.GrpcAddress : new Uri(exporter.HttpAddress, "/v1/logs")))
        {
            LogEvaluation(logging.CreateLogger("evaluator"), 7);
        } // disposing the factory flushes the exporter

        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(1m, MetricsText.Required(metrics, $"cpst_evaluations_total{{use_case=\"{UseCase}\",evaluation=\"unit_tests\",result=\"pass\"}}"));
        Assert.Equal(1m, MetricsText.Required(metrics, $"cpst_tasks_total{{use_case=\"{UseCase}\",outcome=\"success\",{TaskRest}}}"));
        Assert.Equal(new Dictionary<string, decimal> { ["reason=\"not_evaluation\""] = 1 }, Ignored(metrics));
        JsonElement task = await TaskAsync(exporter, 7);
        Assert.Equal(0.97, task.GetProperty("evaluations")[0].GetProperty("score").GetDouble());
    }
}
