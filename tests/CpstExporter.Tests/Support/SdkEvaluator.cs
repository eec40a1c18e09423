using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;

namespace CpstExporter.Tests.Support;

/// <summary>
/// An application's evaluator, sending its verdicts on an agent's tasks as OTLP log records through the OpenTelemetry
/// .NET SDK (an <see cref="ILogger"/> whose provider exports with the SDK's OTLP log exporter) to the exporter under
/// test. A verdict is logged while the task's root activity is current, so the SDK puts the task's trace id on the
/// record. None of the .NET agent libraries tested emits evaluation events itself.
/// </summary>
/// <remarks>
/// The event name goes into the record's <c>event.name</c> attribute: the SDK's OTLP exporter (1.20) writes no
/// <c>event_name</c> field, and an <see cref="EventId"/>'s name only as <c>logrecord.event.name</c>, behind the
/// experimental <c>OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EVENT_LOG_ATTRIBUTES</c> switch. Call <see cref="Flush"/> and
/// assert on it: Dispose also flushes, but silently.
/// </remarks>
internal sealed class SdkEvaluator : IDisposable
{
    public const string EventName = "gen_ai.evaluation.result";

    private readonly ILoggerFactory _factory;
    private readonly BaseProcessor<LogRecord> _processor;
    private readonly ILogger _logger;

    private SdkEvaluator(ILoggerFactory factory, BaseProcessor<LogRecord> processor)
    {
        _factory = factory;
        _processor = processor;
        _logger = factory.CreateLogger("WeatherEvaluator");
    }

    /// <param name="exporter">The exporter under test; gRPC goes to its OTLP/gRPC listener, HTTP to <c>/v1/logs</c>.</param>
    public static SdkEvaluator Start(ExporterUnderTest exporter, OtlpExportProtocol protocol, string serviceName)
    {
        Uri endpoint = protocol == OtlpExportProtocol.Grpc ? exporter.GrpcAddress : new Uri(exporter.HttpAddress, "/v1/logs");
        var processor = new BatchLogRecordExportProcessor(new OtlpLogExporter(new OtlpExporterOptions { Endpoint = endpoint, Protocol = protocol }));
        ILoggerFactory factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(o =>
        {
            o.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(serviceName));
            o.AddProcessor(processor);
        }));
        return new SdkEvaluator(factory, processor);
    }

    /// <summary>
    /// Logs one <c>gen_ai.evaluation.result</c> event for the trace of the current activity (which must be the task's),
    /// with <c>gen_ai.evaluation.name</c>, <c>.score.label</c>, <c>.score.value</c> (when given) and <c>.explanation</c>.
    /// </summary>
    public void Send(string name, string label, double? score, string explanation)
    {
        Assert.True(Activity.Current is not null, "a verdict is sent for the current activity's trace, and there is none");
        var attributes = new List<KeyValuePair<string, object?>>
        {
            new("event.name", EventName),
            new("gen_ai.evaluation.name", name),
            new("gen_ai.evaluation.score.label", label),
            new("gen_ai.evaluation.explanation", explanation),
        };
        if (score is double value) attributes.Add(new("gen_ai.evaluation.score.value", value));
        _logger.Log(LogLevel.Information, new EventId(1, EventName), attributes, exception: null,
            static (state, _) => $"{state[1].Value}: {state[2].Value}");
    }

    public bool Flush(int timeoutMilliseconds = 10_000) => _processor.ForceFlush(timeoutMilliseconds);

    public void Dispose() => _factory.Dispose();
}
