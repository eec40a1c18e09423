using Microsoft.Extensions.Configuration;

namespace CpstExporter.Telemetry;

/// <summary>
/// Which of the exporter's own signals go out over OTLP, read from the standard OpenTelemetry variables in the
/// configuration (environment variables included): all three when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, one when
/// only its <c>OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT</c> is, none when <c>OTEL_SDK_DISABLED</c> is
/// <c>true</c>. A signal without an endpoint is not sent to the SDK's default one (<c>localhost:4317</c>), which is
/// this exporter's own OTLP/gRPC port in its default configuration.
/// </summary>
internal readonly record struct OtlpSignals(bool Traces, bool Metrics, bool Logs)
{
    public const string Endpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string TracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    public const string MetricsEndpoint = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
    public const string LogsEndpoint = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT";
    public const string SdkDisabled = "OTEL_SDK_DISABLED";

    public bool Any => Traces || Metrics || Logs;

    public static OtlpSignals Read(IConfiguration configuration)
    {
        if (string.Equals(configuration[SdkDisabled]?.Trim(), "true", StringComparison.OrdinalIgnoreCase)) return default;
        bool all = IsSet(configuration, Endpoint);
        return new OtlpSignals(all || IsSet(configuration, TracesEndpoint), all || IsSet(configuration, MetricsEndpoint),
            all || IsSet(configuration, LogsEndpoint));
    }

    private static bool IsSet(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);
}
