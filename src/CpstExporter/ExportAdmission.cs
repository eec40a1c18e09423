using CpstExporter.Aggregation;
using CpstExporter.Receiving;
using Microsoft.AspNetCore.Http;

namespace CpstExporter;

/// <summary>
/// Lets a write request (OTLP/gRPC, OTLP/HTTP, outcomes) in, or turns it away before a byte of its body is read:
/// first the bearer token (<c>Cpst:Auth:Tokens</c>), then a place in the <see cref="ExportGate"/>. Every refusal is
/// counted in <c>cpst_rejected_requests_total</c>; a request that got in is processed to the end.
/// </summary>
internal sealed class ExportAdmission(BearerTokens tokens, ExportGate gate, CpstMetrics metrics)
{
    public async Task RunAsync(HttpContext context, Func<HttpContext, Task> handle, Func<HttpContext, Refusal, Task> refuse)
    {
        BearerCheck check = tokens.Check(context.Request);
        if (check != BearerCheck.Allowed)
        {
            metrics.RejectedRequests.Add(RequestRejection.Unauthenticated);
            await refuse(context, check == BearerCheck.Missing ? Refusal.MissingToken : Refusal.InvalidToken).ConfigureAwait(false);
            return;
        }
        if (!gate.TryEnter())
        {
            metrics.RejectedRequests.Add(RequestRejection.Overloaded);
            await refuse(context, Refusal.Overloaded).ConfigureAwait(false);
            return;
        }
        try
        {
            await handle(context).ConfigureAwait(false);
        }
        finally
        {
            gate.Exit();
        }
    }
}
