using CpstExporter.Aggregation;
using CpstExporter.Exposition;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using CpstExporter.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CpstExporter.Hosting;

/// <summary>
/// The exporter observed like any .NET service: when an OTLP endpoint is configured (<see cref="OtlpSignals"/>), its
/// own traces, metrics and logs go out through the OpenTelemetry SDK's hosting integration and OTLP exporter, which
/// read the other standard variables themselves (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>_HEADERS</c>, <c>_TIMEOUT</c>,
/// <c>OTEL_RESOURCE_ATTRIBUTES</c>, <c>OTEL_BSP_*</c>, <c>OTEL_METRIC_EXPORT_INTERVAL</c>, …). Without one nothing is
/// registered: no SDK, no listener, no <see cref="CpstTelemetry"/>.
/// </summary>
/// <remarks>
/// Pointed at itself, it must not feed itself: handling an export produces nothing that is exported again. Requests on
/// the OTLP listeners (exports, outcomes, gRPC health) get no span; per-request logs of ASP.NET Core and grpc-dotnet
/// (Information and below) are not sent; the exporter's own spans are for checkpoints and reloads, which no request
/// causes; metrics are sent on their interval whatever was received. The SDK runs its own exports with
/// instrumentation suppressed, so sending is not traced or logged either.
/// </remarks>
internal static class SelfTelemetry
{
    /// <summary>The <c>service.name</c> unless <c>OTEL_SERVICE_NAME</c> or <c>OTEL_RESOURCE_ATTRIBUTES</c> names another.</summary>
    public const string ServiceName = "cpst-exporter";

    /// <summary>The meters of ASP.NET Core's request metrics and Kestrel's connection metrics.</summary>
    public static readonly string[] AspNetCoreMeters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"];

    /// <summary>Registers the SDK when an OTLP endpoint is configured; returns what is sent.</summary>
    /// <param name="version">The exporter's version: <c>service.version</c>, and its source's and meter's.</param>
    public static OtlpSignals AddIfConfigured(WebApplicationBuilder builder, string version)
    {
        OtlpSignals signals = OtlpSignals.Read(builder.Configuration);
        if (!signals.Any) return signals;

        builder.Services.AddSingleton(sp =>
        {
            var telemetry = new CpstTelemetry(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), version);
            ObservedCounters.Register(telemetry.Meter, sp.GetRequiredService<ReceiverCounters>(), sp.GetRequiredService<CpstMetrics>(),
                sp.GetRequiredService<TaskAssembler>());
            return telemetry;
        });
        builder.Services.AddOpenTelemetry()
            // The default service name first: the variables, read after it, override it.
            .ConfigureResource(resource => resource.Clear()
                .AddService(ServiceName, serviceVersion: version)
                .AddTelemetrySdk()
                .AddEnvironmentVariableDetector())
            .WithTracing(tracing =>
            {
                if (!signals.Traces) return;
                tracing.AddSource(CpstTelemetry.Name).AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = Traced);
            })
            .WithMetrics(metrics =>
            {
                if (!signals.Metrics) return;
                metrics.AddMeter(CpstTelemetry.Name).AddRuntimeInstrumentation().AddMeter(AspNetCoreMeters);
            })
            .WithLogging(configureBuilder: null, options => options.IncludeFormattedMessage = true)
            .UseOtlpExporter();

        // UseOtlpExporter turns every signal on. One without an endpoint gets no data: no source, no meter, no log record.
        // An empty batch of spans or log records is never sent, but an empty metrics export would be, on every interval
        // and at shutdown, to the SDK's default endpoint: the reader of an unconfigured metrics signal has no interval
        // and no time to export.
        if (!signals.Metrics)
            builder.Services.Configure<MetricReaderOptions>(reader =>
            {
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = Timeout.Infinite;
                reader.PeriodicExportingMetricReaderOptions.ExportTimeoutMilliseconds = 0;
            });
        if (signals.Logs)
        {
            // One record per request would be one per export, and, sent to this exporter, one more export per export.
            builder.Logging.AddFilter<OpenTelemetryLoggerProvider>("Microsoft.AspNetCore", LogLevel.Warning);
            builder.Logging.AddFilter<OpenTelemetryLoggerProvider>("Grpc", LogLevel.Warning);
        }
        else builder.Logging.AddFilter<OpenTelemetryLoggerProvider>(category: null, LogLevel.None);
        return signals;
    }

    /// <summary>Whether a request gets a server span: scrapes and task API queries do; ingest and probes do not.</summary>
    internal static bool Traced(HttpContext context) =>
        ListenerBinding.Of(context) == Listener.Metrics && context.Request.Path.Value is not ("/healthz" or "/readyz");
}
