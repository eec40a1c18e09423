using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CpstExporter.Tests.Support;

/// <summary>
/// An agent instrumented as users do it: the OpenTelemetry .NET SDK with its own OTLP exporter, every span sampled,
/// sending to the exporter under test. Call <see cref="Flush"/> and assert on it: Dispose also flushes, but silently.
/// </summary>
internal sealed class SdkAgent : IDisposable
{
    private SdkAgent(ActivitySource source, TracerProvider provider)
    {
        Source = source;
        Provider = provider;
    }

    public ActivitySource Source { get; }
    public TracerProvider Provider { get; }

    /// <param name="exporter">The exporter under test; gRPC goes to its OTLP/gRPC listener, HTTP to <c>/v1/traces</c>.</param>
    /// <param name="sdkSettings">What the SDK would read from the environment (<c>OTEL_…</c> variables).</param>
    /// <param name="resource">Resource attributes besides <c>service.name</c>.</param>
    /// <param name="headers">OTLP exporter headers, as <c>OTEL_EXPORTER_OTLP_HEADERS</c> sets them.</param>
    /// <param name="librarySources">Activity sources of instrumented libraries the agent uses, exported besides its own.</param>
    public static SdkAgent Start(ExporterUnderTest exporter, OtlpExportProtocol protocol, string serviceName,
        IDictionary<string, string?>? sdkSettings = null, IEnumerable<KeyValuePair<string, object>>? resource = null, string? headers = null,
        IEnumerable<string>? librarySources = null)
    {
        Uri endpoint = protocol == OtlpExportProtocol.Grpc ? exporter.GrpcAddress : new Uri(exporter.HttpAddress, "/v1/traces");
        string sourceName = $"agent-{serviceName}-{Guid.NewGuid():N}";
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(sdkSettings ?? new Dictionary<string, string?>()).Build();
        var source = new ActivitySource(sourceName);
        TracerProvider provider = Sdk.CreateTracerProviderBuilder()
            .ConfigureServices(services => services.AddSingleton(configuration))
            .AddSource([sourceName, .. librarySources ?? []])
            .SetSampler(new AlwaysOnSampler())
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(serviceName).AddAttributes(resource ?? []))
            .AddOtlpExporter(o =>
            {
                o.Endpoint = endpoint;
                o.Protocol = protocol;
                o.ExportProcessorType = ExportProcessorType.Batch;
                if (headers is not null) o.Headers = headers;
            })
            .Build()!;
        return new SdkAgent(source, provider);
    }

    public Activity StartActivity(string name, ActivityKind kind = ActivityKind.Internal) => Source.StartActivity(name, kind)!;

    public bool Flush(int timeoutMilliseconds = 10_000) => Provider.ForceFlush(timeoutMilliseconds);

    public void Dispose()
    {
        Provider.Dispose();
        Source.Dispose();
    }
}
