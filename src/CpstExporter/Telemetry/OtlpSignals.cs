using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Telemetry;

/// <summary>
/// Which of the exporter's own signals go out over OTLP, read from the standard OpenTelemetry variables in the
/// configuration (environment variables included): all three when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, one when
/// only its <c>OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT</c> is, none when <c>OTEL_SDK_DISABLED</c> is
/// <c>true</c>. A signal without an endpoint is not sent to the SDK's default one (<c>localhost:4317</c>), which is
/// this exporter's own OTLP/gRPC port in its default configuration. An endpoint that is not an http(s) URL, or a
/// protocol the SDK does not speak, is a configuration error: the SDK would ignore it and send to its default.
/// </summary>
internal readonly record struct OtlpSignals(bool Traces, bool Metrics, bool Logs)
{
    public const string Endpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string TracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    public const string MetricsEndpoint = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
    public const string LogsEndpoint = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT";
    public const string SdkDisabled = "OTEL_SDK_DISABLED";

    private static readonly string[] Endpoints = [Endpoint, TracesEndpoint, MetricsEndpoint, LogsEndpoint];
    private static readonly string[] Protocols =
        ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL"];

    public bool Any => Traces || Metrics || Logs;

    /// <exception cref="CpstConfigurationException">An endpoint or a protocol the SDK cannot use, when one is asked for; the
    /// message names the variable.</exception>
    public static OtlpSignals Read(IConfiguration configuration)
    {
        if (string.Equals(configuration[SdkDisabled]?.Trim(), "true", StringComparison.OrdinalIgnoreCase)) return default;
        bool all = IsSet(configuration, Endpoint);
        var signals = new OtlpSignals(all || IsSet(configuration, TracesEndpoint), all || IsSet(configuration, MetricsEndpoint),
            all || IsSet(configuration, LogsEndpoint));
        if (!signals.Any) return signals; // the other variables are not used, so not checked
        foreach (string key in Endpoints)
        {
            if (configuration[key] is not { } value || string.IsNullOrWhiteSpace(value)) continue;
            if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out Uri? url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                throw new CpstConfigurationException(
                    $"{key}: '{value}' is not an http:// or https:// URL; set the collector's OTLP endpoint, e.g. http://otel-collector:4317 (gRPC) or http://otel-collector:4318 (HTTP)");
        }
        foreach (string key in Protocols)
        {
            if (configuration[key] is not { } value || string.IsNullOrWhiteSpace(value)) continue;
            if (value.Trim() is not ("grpc" or "http/protobuf"))
                throw new CpstConfigurationException($"{key}: '{value}' is not a protocol the exporter sends its own telemetry with; use grpc or http/protobuf");
        }
        return signals;
    }

    /// <summary>The signals sent, as a log line names them: <c>traces, metrics, logs</c>.</summary>
    public override string ToString() =>
        string.Join(", ", new[] { Traces ? "traces" : null, Metrics ? "metrics" : null, Logs ? "logs" : null }.OfType<string>());

    private static bool IsSet(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);
}
