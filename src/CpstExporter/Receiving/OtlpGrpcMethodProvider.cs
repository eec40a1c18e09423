using Grpc.AspNetCore.Server.Model;

namespace CpstExporter.Receiving;

/// <summary>
/// Tells grpc-dotnet which methods <see cref="OtlpGrpcReceiver"/> serves: the trace and logs Export, as
/// <see cref="ExportServiceMethod"/> declares them. Without generated service code there is no binding attribute to
/// discover, so this provider adds them.
/// </summary>
internal sealed class OtlpGrpcMethodProvider(SpanBatchPool pool) : IServiceMethodProvider<OtlpGrpcReceiver>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<OtlpGrpcReceiver> context)
    {
        context.AddUnaryMethod(ExportServiceMethod.Export(pool, ExportSignal.Traces), [],
            static (receiver, request, call) => receiver.ExportAsync(request, call));
        context.AddUnaryMethod(ExportServiceMethod.Export(pool, ExportSignal.Logs), [],
            static (receiver, request, call) => receiver.ExportLogsAsync(request, call));
    }
}
