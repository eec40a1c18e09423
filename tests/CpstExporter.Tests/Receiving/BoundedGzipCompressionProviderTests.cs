using System.IO.Compression;
using CpstExporter.Receiving;
using Grpc.Core;

namespace CpstExporter.Tests.Receiving;

public class BoundedGzipCompressionProviderTests
{
    private const int Limit = 100_000;

    private static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.Optimal)) zip.Write(data);
        return compressed.ToArray();
    }

    /// <summary>What grpc-dotnet does with a compressed message: copy the provider's decompression stream into memory.</summary>
    private static MemoryStream Inflate(byte[] compressed, out Exception? failure)
    {
        var output = new MemoryStream();
        failure = null;
        try
        {
            using Stream inflating = new BoundedGzipCompressionProvider(Limit).CreateDecompressionStream(new MemoryStream(compressed));
            inflating.CopyTo(output);
        }
        catch (Exception e)
        {
            failure = e;
        }
        return output;
    }

    [Fact]
    public void Decompress_GzipBomb_StopsAtTheLimitWithResourceExhausted()
    {
        byte[] bomb = Gzip(new byte[200_000_000]); // about 200 KB on the wire, 2,000 times the limit inflated

        MemoryStream inflated = Inflate(bomb, out Exception? failure);

        var refused = Assert.IsType<RpcException>(failure);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("Cpst:Limits:MaxRequestBytes", refused.Status.Detail);
        Assert.Contains("after decompression", refused.Status.Detail);
        Assert.InRange(inflated.Length, 0, Limit); // nothing past the limit reached memory
    }

    [Theory]
    [InlineData(Limit)]
    [InlineData(Limit - 1)]
    [InlineData(0)]
    public void Decompress_UpToTheLimit_IsWhole(int length)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);

        MemoryStream inflated = Inflate(Gzip(data), out Exception? failure);

        Assert.Null(failure);
        Assert.Equal(data, inflated.ToArray());
    }

    [Fact]
    public void Decompress_OneBytePastTheLimit_ResourceExhausted()
    {
        Inflate(Gzip(new byte[Limit + 1]), out Exception? failure);
        Assert.Equal(StatusCode.ResourceExhausted, Assert.IsType<RpcException>(failure).StatusCode);
    }

    [Fact]
    public void Decompress_CorruptData_InvalidArgument()
    {
        byte[] gzip = Gzip(new byte[10_000]);
        gzip[12] ^= 0xFF;

        Inflate(gzip, out Exception? failure);

        var refused = Assert.IsType<RpcException>(failure);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("gzip", refused.Status.Detail);
    }

    [Fact]
    public void Compress_RoundTrips()
    {
        byte[] data = new byte[5000];
        new Random(5).NextBytes(data);
        var provider = new BoundedGzipCompressionProvider(Limit);
        using var compressed = new MemoryStream();
        using (Stream zip = provider.CreateCompressionStream(compressed, null)) zip.Write(data);

        MemoryStream inflated = Inflate(compressed.ToArray(), out Exception? failure);

        Assert.Null(failure);
        Assert.Equal("gzip", provider.EncodingName);
        Assert.Equal(data, inflated.ToArray());
    }
}
