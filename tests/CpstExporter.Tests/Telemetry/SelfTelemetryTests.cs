using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CpstExporter.Hosting;
using CpstExporter.Pricing;
using CpstExporter.Receiving;
using CpstExporter.Receiving.Otlp;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using CpstExporter.Telemetry;
using CpstExporter.Tests.Support.Otlp;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MeterProvider = OpenTelemetry.Metrics.MeterProvider;
using OpenTelemetryLoggerProvider = OpenTelemetry.Logs.OpenTelemetryLoggerProvider;
using TracerProvider = OpenTelemetry.Trace.TracerProvider;

namespace CpstExporter.Tests.Telemetry;

/// <summary>
/// The exporter's own traces, metrics and logs, sent with the OpenTelemetry SDK to a real OTLP/HTTP endpoint when the
/// standard variables say where; and never back into itself in a loop when that endpoint is its own.
/// </summary>
[Collection(ProcessWideTelemetry.Name)]
public sealed class SelfTelemetryTests : IDisposable
{
    /// <summary>Short export intervals, so a test sees several exports in a second or two.</summary>
    private static readonly Dictionary<string, string?> Fast = new()
    {
        ["OTEL_BSP_SCHEDULE_DELAY"] = "50",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "50",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "100",
    };

    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-selftel-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, string?> NoEndpoint => new()
    {
        { "no OTLP variable", null },
        { "OTEL_SDK_DISABLED", "http://127.0.0.1:9" },
    };

    [Theory]
    [MemberData(nameof(NoEndpoint))]
    public async Task Start_WithoutOtlpEndpoint_RegistersNothing(string why, string? endpoint)
    {
        var settings = new Dictionary<string, string?>();
        if (endpoint is not null)
        {
            settings[OtlpSignals.Endpoint] = endpoint;
            settings[OtlpSignals.SdkDisabled] = "true";
        }
        await using var exporter = await ExporterUnderTest.StartAsync(settings);

        Assert.True(exporter.Services.GetService<TracerProvider>() is null, why);
        Assert.Null(exporter.Services.GetService<MeterProvider>());
        Assert.Null(exporter.Services.GetService<CpstTelemetry>());
        Assert.DoesNotContain(exporter.Services.GetServices<ILoggerProvider>(), p => p is OpenTelemetryLoggerProvider);
    }

    [Fact]
    public async Task OwnTelemetry_WithOtlpEndpoint_ReachesTheCollector()
    {
        await using OtlpCollector collector = await OtlpCollector.StartAsync();
        string pricing = Path.Combine(_directory, "pricing.yaml");
        File.WriteAllText(pricing, "models:\n  - { name: gpt-4o, input: 2.50, output: 10.00 }\n");
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>(Fast)
        {
            [OtlpSignals.Endpoint] = collector.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-cpst-test=self",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment.name=selftest",
            ["Cpst:PricingFile"] = pricing,
            ["Cpst:Tasks:StateFile"] = Path.Combine(_directory, "pending-tasks"),
        });

        // An export, a scrape, a checkpoint with a task pending, and a price table edit that is refused (an error log).
        await PostAsync(exporter, Spans.Request("support-bot", Spans.Llm(1, 2, "gpt-4o", 1000, 200)));
        await exporter.ScrapeAsync();
        exporter.Services.GetRequiredService<TaskStateFile>().Checkpoint();
        File.WriteAllText(pricing, "models:\n  - { name: gpt-4o, input: lots }\n");
        Assert.False(exporter.Services.GetRequiredService<PriceTableProvider>().CheckForChanges());

        string[] wanted =
        [
            "dotnet.gc.collections", "dotnet.thread_pool.thread.count", // the runtime's System.Runtime meter
            "kestrel.active_connections", "http.server.request.duration", // Kestrel's and ASP.NET Core's meters
            "cpst.exporter.export.duration", "cpst.exporter.spans.received", "cpst.exporter.tasks.pending", "cpst.exporter.checkpoint.duration",
            "cpst.exporter.reloads",
        ];
        await Poll.UntilAsync(() => wanted.All(name => collector.Metrics.Any(m => m.Metric.Name == name))
                && collector.Spans.Any(s => s.Span.Name == "cpst.checkpoint") && collector.Spans.Any(s => s.Span.Name == "cpst.reload")
                && collector.Logs.Any(RefusedReload),
            "the exporter's metrics, its checkpoint and reload spans and its error log at the collector");

        var (_, scope, checkpoint) = collector.Spans.First(s => s.Span.Name == "cpst.checkpoint");
        Assert.Equal(CpstTelemetry.Name, scope);
        Assert.Equal("periodic", OtlpCollector.Attribute(checkpoint.Attributes, "cpst.checkpoint.kind"));
        Assert.Equal(1, checkpoint.Attributes.Single(a => a.Key == "cpst.tasks.written").Value.IntValue);
        Span reload = collector.Spans.First(s => s.Span.Name == "cpst.reload").Span;
        Assert.Equal("refused", OtlpCollector.Attribute(reload.Attributes, "cpst.reload.result"));
        Assert.Equal(Status.Types.StatusCode.Error, reload.Status.Code);
        LogRecord log = collector.Logs.First(RefusedReload).Record;
        Assert.Equal("Error", log.SeverityText);
        Assert.Equal(17, log.SeverityNumber); // SEVERITY_NUMBER_ERROR

        // The scrape is a server span; the export is not (ingest never is).
        Assert.Contains(collector.Spans, s => s.Span.Kind == Span.Types.SpanKind.Server && OtlpCollector.Attribute(s.Span.Attributes, "url.path") == "/metrics");
        Assert.DoesNotContain(collector.Spans, s => OtlpCollector.Attribute(s.Span.Attributes, "url.path") == "/v1/traces");

        // The export handled is one measurement of the export histogram, labelled by how it came.
        HistogramDataPoint exports = collector.Metrics.Last(m => m.Metric.Name == "cpst.exporter.export.duration").Metric.Histogram.DataPoints
            .Single(p => OtlpCollector.Attribute(p.Attributes, "cpst.request") == "otlp_http");
        Assert.Equal(1ul, exports.Count);
        NumberDataPoint received = collector.Metrics.Last(m => m.Metric.Name == "cpst.exporter.spans.received").Metric.Sum.DataPoints
            .Single(p => OtlpCollector.Attribute(p.Attributes, "cpst.protocol") == "http_protobuf");
        Assert.Equal(1, received.AsInt);
        Assert.True(collector.Metrics.Last(m => m.Metric.Name == "dotnet.gc.collections").Metric.Sum.IsMonotonic);

        // Every request carries the resource and the configured header.
        var resources = collector.TraceRequests.SelectMany(r => r.ResourceSpans.Select(rs => rs.Resource))
            .Concat(collector.MetricRequests.SelectMany(r => r.ResourceMetrics.Select(rm => rm.Resource)))
            .Concat(collector.LogRequests.SelectMany(r => r.ResourceLogs.Select(rl => rl.Resource))).ToList();
        Assert.All(resources, r => Assert.Equal(SelfTelemetry.ServiceName, OtlpCollector.Attribute(r.Attributes, "service.name")));
        Assert.All(resources, r => Assert.Equal("selftest", OtlpCollector.Attribute(r.Attributes, "deployment.environment.name")));
        Assert.All(resources, r => Assert.Equal(CpstHost.Version, OtlpCollector.Attribute(r.Attributes, "service.version")));
        Assert.All(collector.Headers, h => Assert.Equal("self", h["x-cpst-test"].ToString()));
    }

    [Fact]
    public async Task OwnTelemetry_AtShutdown_TheLastSaveOfTheStateFileIsSent()
    {
        await using OtlpCollector collector = await OtlpCollector.StartAsync();
        var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            [OtlpSignals.TracesEndpoint] = new Uri(collector.Endpoint, "/v1/traces").ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "60000", // nothing goes out on a timer: only the flush at shutdown sends it
            ["Cpst:Tasks:StateFile"] = Path.Combine(_directory, "pending-tasks"),
        });
        await PostAsync(exporter, Spans.Request("support-bot", Spans.Llm(1, 2, "gpt-4o", 1000, 200)));

        await exporter.DisposeAsync();

        Span save = Assert.Single(collector.Spans, s => s.Span.Name == "cpst.checkpoint").Span;
        Assert.Equal("shutdown", OtlpCollector.Attribute(save.Attributes, "cpst.checkpoint.kind"));
        Assert.Equal(1, save.Attributes.Single(a => a.Key == "cpst.tasks.written").Value.IntValue);
    }

    [Fact]
    public async Task OwnTelemetry_ServiceNameVariable_OverridesTheDefault()
    {
        await using OtlpCollector collector = await OtlpCollector.StartAsync();
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>(Fast)
        {
            [OtlpSignals.MetricsEndpoint] = new Uri(collector.Endpoint, "/v1/metrics").ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "cpst-exporter-eu",
        });

        await Poll.UntilAsync(() => collector.MetricRequests.Count > 0, "a metrics export");

        Assert.Equal("cpst-exporter-eu", OtlpCollector.Attribute(collector.MetricRequests[0].ResourceMetrics[0].Resource.Attributes, "service.name"));
    }

    [Fact]
    public async Task OwnTelemetry_OnlyTheTracesEndpoint_SendsOnlyTraces()
    {
        await using OtlpCollector collector = await OtlpCollector.StartAsync();
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>(Fast)
        {
            [OtlpSignals.TracesEndpoint] = new Uri(collector.Endpoint, "/v1/traces").ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["Cpst:Tasks:StateFile"] = Path.Combine(_directory, "pending-tasks"),
        });

        exporter.Services.GetRequiredService<TaskStateFile>().Checkpoint();
        await Poll.UntilAsync(() => collector.Spans.Any(s => s.Span.Name == "cpst.checkpoint"), "the checkpoint span");

        Assert.Empty(collector.MetricRequests);
        Assert.Empty(collector.LogRequests);
    }

    public static TheoryData<string> Protocols => new() { "http/protobuf", "grpc" };

    /// <summary>
    /// Pointed at its own OTLP listener, the exporter receives the spans its own work made (a scrape, a checkpoint) and
    /// nothing more: handling those exports, and the metric and log exports it keeps sending to itself, makes no span.
    /// </summary>
    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task OwnTelemetry_PointedAtItself_ReceivedSpansStopGrowing(string protocol)
    {
        bool grpc = protocol == "grpc";
        int port = FreePort();
        var requests = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>(Fast)
        {
            [grpc ? "Cpst:Listen:OtlpGrpc" : "Cpst:Listen:OtlpHttp"] = $"http://127.0.0.1:{port}",
            [OtlpSignals.Endpoint] = $"http://127.0.0.1:{port}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
            ["Cpst:Tasks:StateFile"] = Path.Combine(_directory, "pending-tasks"),
        }, customize: builder => builder.Services.AddSingleton<IStartupFilter>(new CountRequests(requests)));
        string tracesPath = grpc ? OtlpGrpcReceiver.ExportPath : "/v1/traces";
        string metricsPath = grpc ? "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export" : "/v1/metrics";
        Protocol own = grpc ? Protocol.Grpc : Protocol.HttpProtobuf;

        // One real export from an agent (over OTLP/HTTP whichever listener the exporter sends to), then one scrape and
        // one checkpoint: two spans of the exporter's own, which it sends to itself.
        await PostAsync(exporter, Spans.Request("support-bot", Spans.Root(1, Spans.Attr("outcome", "success")), Spans.Llm(1, 2, "gpt-4o", 1000, 200)));
        long agentSpans = exporter.Receiving.ReceivedSpans.Get(Protocol.HttpProtobuf);
        Assert.Equal(2, agentSpans);
        await exporter.ScrapeAsync();
        exporter.Services.GetRequiredService<TaskStateFile>().Checkpoint();
        long OwnSpans() => exporter.Receiving.ReceivedSpans.Get(own) - (own == Protocol.HttpProtobuf ? agentSpans : 0);
        await Poll.UntilAsync(() => OwnSpans() >= 2, "the scrape's and the checkpoint's spans, sent to itself");

        // Then quiet: metrics keep being exported to itself (answered 404 or UNIMPLEMENTED), traces stop.
        int traceExports = requests.GetValueOrDefault(tracesPath), metricExports = requests.GetValueOrDefault(metricsPath);
        await Poll.UntilAsync(() => requests.GetValueOrDefault(metricsPath) >= metricExports + 10, "ten more metric exports to itself");

        string seen = string.Join(", ", requests.Select(r => $"{r.Key} {r.Value}"));
        Assert.True(OwnSpans() == 2, $"{OwnSpans()} spans of its own received, 2 expected; requests: {seen}");
        Assert.True(requests.GetValueOrDefault(tracesPath) == traceExports, $"trace exports went on after {traceExports}; requests: {seen}");
        Assert.True(traceExports >= 1, "its own spans came in at least one trace export");
    }

    /// <summary>The error the price table provider logs when an edited file is refused.</summary>
    private static bool RefusedReload((Resource Resource, string Scope, LogRecord Record) log) =>
        log.Scope == typeof(PriceTableProvider).FullName && log.Record.Body?.StringValue?.Contains("Price file not reloaded", StringComparison.Ordinal) == true;

    private static async Task PostAsync(ExporterUnderTest exporter, ExportTraceServiceRequest request)
    {
        using var http = new HttpClient();
        using var content = new ByteArrayContent(request.ToByteArray()) { Headers = { { "Content-Type", "application/x-protobuf" } } };
        using HttpResponseMessage response = await http.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        response.EnsureSuccessStatusCode();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Counts requests by path, ahead of the exporter's own pipeline.</summary>
    private sealed class CountRequests(ConcurrentDictionary<string, int> counts) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, inner) =>
            {
                counts.AddOrUpdate(context.Request.Path.Value ?? "", 1, (_, n) => n + 1);
                return inner(context);
            });
            next(app);
        };
    }
}
