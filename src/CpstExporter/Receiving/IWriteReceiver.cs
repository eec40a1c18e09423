using Microsoft.AspNetCore.Http;

namespace CpstExporter.Receiving;

/// <summary>
/// An HTTP write endpoint (<c>/v1/traces</c>, <c>/v1/outcomes</c>) in the two steps <see cref="ExportAdmission"/>
/// puts the gate between: receiving the body whole, then processing it.
/// </summary>
internal interface IWriteReceiver
{
    /// <summary>
    /// Checks the headers and reads the body, never more than <c>Cpst:Limits:MaxRequestBytes</c>. A request refused
    /// on the way (type, encoding, size) is answered here and yields null.
    /// </summary>
    Task<PooledBytes?> ReceiveAsync(HttpContext context);

    /// <summary>Decodes and applies a received body and answers the request.</summary>
    Task ProcessAsync(HttpContext context, PooledBytes body);

    /// <summary>Answers a request turned away by admission: 401 with a challenge, or 503 with Retry-After.</summary>
    Task RefuseAsync(HttpContext context, Refusal refusal);
}
