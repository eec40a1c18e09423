namespace CpstExporter.Billing.CostApi;

/// <summary>
/// A poll that cannot complete: the key file, the HTTP exchange or the response's content. The message says what and
/// where, for the log and <see cref="IBillSink.Failed"/>, and never carries the admin key.
/// </summary>
internal sealed class CostApiException(string message, bool authentication = false) : Exception(message)
{
    /// <summary>The provider refused the admin key (401 or 403): retrying cannot help until the key is replaced.</summary>
    public bool Authentication { get; } = authentication;
}
