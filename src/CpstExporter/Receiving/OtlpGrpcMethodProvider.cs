using Grpc.AspNetCore.Server.Model;

namespace CpstExporter.Receiving;

/// <summary>
/// Tells grpc-dotnet which methods <see cref="OtlpGrpcReceiver"/> serves: Export, as <see cref="TraceServiceMethod"/>
/// declares it. Without generated service code there is no binding attribute to discover, so this provider adds it.
/// </summary>
internal sealed class OtlpGrpcMethodProvider(SpanBatchPool pool) : IServiceMethodProvider<OtlpGrpcReceiver>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<OtlpGrpcReceiver> context) =>
        context.AddUnaryMethod(TraceServiceMethod.Export(pool), [], static (receiver, request, call) => receiver.ExportAsync(request, call));
}
