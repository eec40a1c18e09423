using Microsoft.Extensions.Logging;

namespace CpstExporter;

/// <summary>Log events of the composition root, with stable event ids (400–499).</summary>
internal static partial class CpstHostLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "{Listener} listening on {Address}")]
    public static partial void Listening(ILogger logger, Listener listener, Uri address);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Configuration: {Warning}")]
    public static partial void ConfigurationWarning(ILogger logger, string warning);
}
