using Microsoft.Extensions.Logging;

namespace CpstExporter.Hosting;

/// <summary>Log events of the composition root, with stable event ids (400–499).</summary>
internal static partial class CpstHostLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "{Listener} listening on {Address}")]
    public static partial void Listening(ILogger logger, Listener listener, Uri address);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Configuration: {Warning}")]
    public static partial void ConfigurationWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "{Listener} has {Max} connections open, its limit (Cpst:Limits:MaxConnections), " +
        "and closed {Count} more at accept since the last warning. If the clients are legitimate, raise the limit and the open-file limit " +
        "with it; otherwise look for a client that opens connections and leaves them idle")]
    public static partial void ConnectionsRefused(ILogger logger, Listener listener, int max, long count);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "Each listener accepts at most {Max} connections at once ({Source})")]
    public static partial void ConnectionLimit(ILogger logger, int max, string source);

    [LoggerMessage(EventId = 404, Level = LogLevel.Information, Message = "Own telemetry over OTLP: {Signals} (OTEL_EXPORTER_OTLP_*)")]
    public static partial void OwnTelemetry(ILogger logger, string signals);

    [LoggerMessage(EventId = 405, Level = LogLevel.Warning, Message = "OtlpGrpc closed {Count} connection(s) since the last warning for " +
        "sending more than {Max} SETTINGS or PING frames without a request between them (an HTTP/2 flood); look for the client that sends them")]
    public static partial void ControlFrameFloods(ILogger logger, long count, int max);
}
