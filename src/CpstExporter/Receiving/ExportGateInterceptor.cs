using System.Diagnostics;
using CpstExporter.Telemetry;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CpstExporter.Receiving;

/// <summary>
/// The <see cref="ExportGate"/> for OTLP/gRPC. grpc-dotnet runs a unary call's interceptors once its message was
/// received and decoded, so a stream still uploading holds no place. A call that finds the gate full is refused with
/// UNAVAILABLE and a RetryInfo, and its decoded batch goes back to the pool.
/// </summary>
internal sealed class ExportGateInterceptor(ExportAdmission admission, SpanBatchPool pool) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (admission.TryEnter() is Refusal refusal)
        {
            if (request is SpanBatch batch) pool.Return(batch);
            throw OtlpGrpcAnswers.Overloaded(refusal);
        }
        long started = admission.Telemetry is null ? 0 : Stopwatch.GetTimestamp();
        Task<TResponse> handled;
        try
        {
            handled = continuation(request, context);
        }
        catch
        {
            Exit(started);
            throw;
        }
        // The export handler finishes synchronously: leave the gate at once, without an async state machine per call.
        if (handled.IsCompleted)
        {
            Exit(started);
            return handled;
        }
        return ExitWhenDone(handled, started);
    }

    private async Task<TResponse> ExitWhenDone<TResponse>(Task<TResponse> handled, long started)
    {
        try
        {
            return await handled.ConfigureAwait(false);
        }
        finally
        {
            Exit(started);
        }
    }

    private void Exit(long started)
    {
        admission.Exit();
        admission.Telemetry?.ExportHandled(CpstTelemetry.OtlpGrpc, started);
    }
}
