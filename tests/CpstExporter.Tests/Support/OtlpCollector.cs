using CpstExporter.Receiving.Otlp;
using CpstExporter.Tests.Support.Otlp;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Tests.Support;

/// <summary>
/// The receiving end of an OTLP/HTTP exporter, as an OpenTelemetry Collector's <c>otlp</c> receiver is: a real Kestrel
/// listener on loopback that decodes every protobuf request to <c>/v1/traces</c>, <c>/v1/metrics</c> and
/// <c>/v1/logs</c> and keeps it with its headers.
/// </summary>
internal sealed class OtlpCollector : IAsyncDisposable
{
    private LoopbackApp _app = null!;
    private readonly List<ExportTraceServiceRequest> _traces = [];
    private readonly List<ExportMetricsServiceRequest> _metrics = [];
    private readonly List<ExportLogsServiceRequest> _logs = [];
    private readonly List<IHeaderDictionary> _headers = [];

    /// <summary>The base URL, as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> takes it.</summary>
    public Uri Endpoint => _app.Address;

    public IReadOnlyList<ExportTraceServiceRequest> TraceRequests { get { lock (_traces) return [.. _traces]; } }
    public IReadOnlyList<ExportMetricsServiceRequest> MetricRequests { get { lock (_metrics) return [.. _metrics]; } }
    public IReadOnlyList<ExportLogsServiceRequest> LogRequests { get { lock (_logs) return [.. _logs]; } }
    public IReadOnlyList<IHeaderDictionary> Headers { get { lock (_headers) return [.. _headers]; } }

    /// <summary>Every span received so far, with the resource and the instrumentation scope it came under.</summary>
    public IEnumerable<(Resource Resource, string Scope, Span Span)> Spans =>
        TraceRequests.SelectMany(r => r.ResourceSpans).SelectMany(rs => rs.ScopeSpans.SelectMany(ss => ss.Spans.Select(s => (rs.Resource, ss.Scope?.Name ?? "", s))));

    /// <summary>Every metric received so far (one per export of it), with its resource and scope.</summary>
    public IEnumerable<(Resource Resource, string Scope, Metric Metric)> Metrics =>
        MetricRequests.SelectMany(r => r.ResourceMetrics).SelectMany(rm => rm.ScopeMetrics.SelectMany(sm => sm.Metrics.Select(m => (rm.Resource, sm.Scope?.Name ?? "", m))));

    /// <summary>Every log record received so far, with its resource and scope (the logger's category).</summary>
    public IEnumerable<(Resource Resource, string Scope, LogRecord Record)> Logs =>
        LogRequests.SelectMany(r => r.ResourceLogs).SelectMany(rl => rl.ScopeLogs.SelectMany(sl => sl.LogRecords.Select(l => (rl.Resource, sl.Scope?.Name ?? "", l))));

    public static async Task<OtlpCollector> StartAsync()
    {
        var server = new OtlpCollector();
        server._app = await LoopbackApp.StartAsync(app => app.Run(server.ReceiveAsync));
        return server;
    }

    /// <summary>A string attribute of a resource, span, data point or log record; null when absent.</summary>
    public static string? Attribute(IEnumerable<KeyValue> attributes, string key) =>
        attributes.FirstOrDefault(a => a.Key == key)?.Value?.StringValue;

    private async Task ReceiveAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        byte[] bytes = body.ToArray();
        switch (context.Request.Path.Value)
        {
            case "/v1/traces":
                lock (_traces) _traces.Add(ExportTraceServiceRequest.Parser.ParseFrom(bytes));
                break;
            case "/v1/metrics":
                lock (_metrics) _metrics.Add(ExportMetricsServiceRequest.Parser.ParseFrom(bytes));
                break;
            case "/v1/logs":
                lock (_logs) _logs.Add(ExportLogsServiceRequest.Parser.ParseFrom(bytes));
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
        }
        lock (_headers) _headers.Add(new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value)));
        // An empty Export*ServiceResponse: full success.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-protobuf";
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
