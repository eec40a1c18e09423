using Grpc.Core;
using Grpc.Net.Client;

namespace CpstExporter.Tests.Support;

/// <summary>
/// OTLP/gRPC calls made with grpc-dotnet's own client (Grpc.Net.Client), as a gRPC application would make them: the
/// request already encoded, the answer and the status as the client library reads them.
/// </summary>
internal static class GrpcClient
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(static b => b, static b => b);

    public static readonly Method<byte[], byte[]> Export =
        new(MethodType.Unary, "opentelemetry.proto.collector.trace.v1.TraceService", "Export", Bytes, Bytes);

    public static readonly Method<byte[], byte[]> ExportLogs =
        new(MethodType.Unary, "opentelemetry.proto.collector.logs.v1.LogsService", "Export", Bytes, Bytes);

    /// <remarks>http:// is HTTP/2 cleartext with prior knowledge, as gRPC clients speak it.</remarks>
    public static GrpcChannel Channel(Uri address) => GrpcChannel.ForAddress(address);

    /// <summary>One Export call (<paramref name="method"/>: the trace service's unless given); <paramref name="gzip"/> compresses the message with <c>grpc-encoding: gzip</c>.</summary>
    public static async Task<byte[]> ExportAsync(GrpcChannel channel, byte[] message, bool gzip = false, string? bearer = null,
        Method<byte[], byte[]>? method = null)
    {
        var headers = new Metadata();
        if (gzip) headers.Add("grpc-internal-encoding-request", "gzip"); // how grpc-dotnet's client is told to compress
        if (bearer is not null) headers.Add("authorization", "Bearer " + bearer);
        return await channel.CreateCallInvoker().AsyncUnaryCall(method ?? Export, null, new CallOptions(headers), message);
    }
}
