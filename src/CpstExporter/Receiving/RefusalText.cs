namespace CpstExporter.Receiving;

/// <summary>The messages of the refusals, shared by the receivers, saying what to do.</summary>
internal static class RefusalText
{
    public static string Of(Refusal refusal) => refusal switch
    {
        Refusal.MissingToken => "authentication required: send 'Authorization: Bearer <token>' with one of the tokens in Cpst:Auth:Tokens " +
            "(OpenTelemetry SDKs: OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<token>)",
        Refusal.InvalidToken => "the bearer token is not accepted: use one of the tokens in Cpst:Auth:Tokens",
        Refusal.ShuttingDown => $"the exporter is shutting down; retry after {RetryAfterSeconds} s",
        _ => $"the exporter is busy (Cpst:Limits:MaxConcurrentExports requests in flight); retry after {RetryAfterSeconds} s",
    };

    /// <summary>A refusal that asks the client to retry (503 with Retry-After, UNAVAILABLE with RetryInfo) rather than to authenticate.</summary>
    public static bool IsRetryable(Refusal refusal) => refusal is Refusal.Overloaded or Refusal.ShuttingDown;

    /// <summary>The WWW-Authenticate challenge of RFC 6750 for a 401.</summary>
    public static string Challenge(Refusal refusal) =>
        refusal == Refusal.InvalidToken ? "Bearer error=\"invalid_token\"" : "Bearer";

    public static string RetryAfterSeconds => ((int)Math.Ceiling(ExportGate.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
