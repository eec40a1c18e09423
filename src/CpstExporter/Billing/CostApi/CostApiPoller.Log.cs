using Microsoft.Extensions.Logging;

namespace CpstExporter.Billing.CostApi;

/// <summary>Log events of the cost API pollers, with stable event ids (540–549). None carries a key.</summary>
internal sealed partial class CostApiPoller
{
    [LoggerMessage(EventId = 540, Level = LogLevel.Information, Message = "Imported {Provider} costs for {Month}: {Amounts} daily amounts, {Usd} USD")]
    private partial void LogImported(string provider, string month, int amounts, decimal usd);

    [LoggerMessage(EventId = 541, Level = LogLevel.Error, Message = "{Provider} costs not imported, the last good figures stay: {Reason}")]
    private partial void LogPollFailed(string provider, string reason);

    [LoggerMessage(EventId = 542, Level = LogLevel.Error, Message = "{Provider} costs not imported, authentication failed with the admin key file {KeyFile}: {Reason}. " +
        "Put an Admin API key of the organization in the file; the next poll reads it again")]
    private partial void LogAuthenticationFailed(string provider, string keyFile, string reason);

    [LoggerMessage(EventId = 543, Level = LogLevel.Warning, Message = "{Reason}; asking again in {DelaySeconds} s (retry {Retry} of at most {MaxRetries} in this poll)")]
    private partial void LogRetrying(string reason, double delaySeconds, int retry, int maxRetries);
}
