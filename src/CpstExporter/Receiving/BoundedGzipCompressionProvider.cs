using System.IO.Compression;
using Grpc.Net.Compression;

namespace CpstExporter.Receiving;

/// <summary>
/// <c>grpc-encoding: gzip</c> for the gRPC listener, in place of grpc-dotnet's own provider. grpc-dotnet checks
/// <c>MaxReceiveMessageSize</c> against the compressed message only and then inflates it whole into memory, so a
/// small gzip bomb would become gigabytes; this provider's stream stops at <see cref="ReceiverOptions.MaxRequestBytes"/>
/// of inflated bytes and fails the call with RESOURCE_EXHAUSTED.
/// </summary>
internal sealed class BoundedGzipCompressionProvider(int limit) : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream) =>
        new BoundedInflateStream(new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true), limit);
}
