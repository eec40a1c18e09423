using System.Diagnostics;
using CpstExporter.Auth;
using CpstExporter.Telemetry;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Receiving;

/// <summary>
/// Lets a write request (OTLP/gRPC and OTLP/HTTP traces and logs, outcomes) in: the bearer token (<c>Cpst:Auth:Tokens</c>) is checked
/// before a byte of the body is read; a place in the <see cref="ExportGate"/> is taken only once the body was received
/// whole, so clients that upload slowly hold no place while others wait. Every refusal is counted in
/// <c>cpst_rejected_requests_total</c>; a request that got a place is processed to the end, and its processing time
/// is recorded when the exporter sends its own telemetry.
/// </summary>
internal sealed class ExportAdmission(BearerTokens tokens, ExportGate gate, ReceiverCounters counters, ReceiverOptions options,
    CpstTelemetry? telemetry = null)
{
    public CpstTelemetry? Telemetry => telemetry;

    /// <summary>OTLP/HTTP and the outcome API: authenticate, receive the body, take a place, process.</summary>
    public async Task RunAsync(HttpContext context, IWriteReceiver receiver)
    {
        if (Authenticate(context.Request) is Refusal refusal)
        {
            await receiver.RefuseAsync(context, refusal).ConfigureAwait(false);
            return;
        }
        if (await receiver.ReceiveAsync(context).ConfigureAwait(false) is not PooledBytes body) return;
        using (body)
        {
            if (TryEnter() is Refusal full)
            {
                await receiver.RefuseAsync(context, full).ConfigureAwait(false);
                return;
            }
            long started = telemetry is null ? 0 : Stopwatch.GetTimestamp();
            try
            {
                await receiver.ProcessAsync(context, body).ConfigureAwait(false);
            }
            finally
            {
                gate.Exit();
                telemetry?.ExportHandled(receiver is OutcomeApiReceiver ? CpstTelemetry.Outcomes : CpstTelemetry.OtlpHttp, started);
            }
        }
    }

    /// <summary>
    /// Middleware between routing and the endpoints: authenticates calls to Export (traces and logs) before grpc-dotnet
    /// reads them, and counts the refusals grpc-dotnet and the marshaller decide. The gate is
    /// <see cref="ExportGateInterceptor"/>, which runs once the message was received. A call is Export by the endpoint
    /// routing chose, not by how its path is spelled: routing matches a path to Export ignoring case and a trailing slash.
    /// </summary>
    public async Task GrpcAsync(HttpContext context, RequestDelegate next)
    {
        if (!OtlpGrpcReceiver.IsExport(context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        if (Authenticate(context.Request) is Refusal refusal)
        {
            OtlpGrpcAnswers.Unauthenticated(context.Response, refusal);
            return;
        }
        if (await DeclaredMessageLengthAsync(context) > options.MaxRequestBytes)
        {
            // grpc-dotnet answers a length past int with UNKNOWN (an exception while reading), not RESOURCE_EXHAUSTED.
            counters.RejectedRequests.Add(RequestRejection.TooLarge);
            OtlpGrpcAnswers.TooLarge(context.Response, new RequestTooLargeException(options.MaxRequestBytes).Message);
            return;
        }
        await next(context).ConfigureAwait(false);
        if (OtlpGrpcAnswers.Rejection(context, options.MaxRequestBytes) is RequestRejection rejection) counters.RejectedRequests.Add(rejection);
    }

    /// <summary>
    /// The length the call's first gRPC message declares in its 5-byte prefix, read without consuming it (grpc-dotnet
    /// reads the same bytes next); 0 when the body ends before the prefix does.
    /// </summary>
    private static async ValueTask<long> DeclaredMessageLengthAsync(HttpContext context)
    {
        System.IO.Pipelines.PipeReader body = context.Request.BodyReader;
        while (true)
        {
            System.IO.Pipelines.ReadResult read = await body.ReadAsync(context.RequestAborted).ConfigureAwait(false);
            System.Buffers.ReadOnlySequence<byte> buffer = read.Buffer;
            if (buffer.Length >= 5 || read.IsCompleted || read.IsCanceled)
            {
                long declared = 0;
                if (buffer.Length >= 5)
                {
                    Span<byte> prefix = stackalloc byte[5];
                    System.Buffers.BuffersExtensions.CopyTo(buffer.Slice(0, 5), prefix);
                    declared = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
                }
                body.AdvanceTo(buffer.Start); // nothing consumed, nothing examined: the next read sees it all again
                return declared;
            }
            body.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Takes a place in the gate: null, or why there is none — the gate is full (counted as overloaded) or closed for
    /// shutdown (counted as shutting down).
    /// </summary>
    public Refusal? TryEnter()
    {
        if (gate.TryEnter()) return null;
        if (gate.IsClosed)
        {
            counters.RejectedRequests.Add(RequestRejection.ShuttingDown);
            return Refusal.ShuttingDown;
        }
        counters.RejectedRequests.Add(RequestRejection.Overloaded);
        return Refusal.Overloaded;
    }

    public void Exit() => gate.Exit();

    private Refusal? Authenticate(HttpRequest request)
    {
        BearerCheck check = tokens.Check(request);
        if (check == BearerCheck.Allowed) return null;
        counters.RejectedRequests.Add(RequestRejection.Unauthenticated);
        return check == BearerCheck.Missing ? Refusal.MissingToken : Refusal.InvalidToken;
    }
}
