using System.IO.Compression;
using CpstExporter.Receiving;

namespace CpstExporter.Tests.Receiving;

public class BodyReaderTests
{
    private const int Limit = 100_000;

    /// <summary>A stream that hands out at most a few bytes per read, as a slow network does.</summary>
    private sealed class TrickleStream(byte[] data, int maxPerRead) : Stream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, maxPerRead), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static byte[] Data(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    private static byte[] Gzip(byte[] data, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level)) gzip.Write(data);
        return output.ToArray();
    }

    public static TheoryData<long?, int> SizeHints => new()
    {
        { null, 4096 },
        { null, 1 },
        { Limit, 65536 },
        { Limit, 7 },
        { 10, 65536 },
        { Limit * 10L, 65536 },
        { 0, 65536 },
    };

    [Theory]
    [MemberData(nameof(SizeHints))]
    public async Task ReadToEndAsync_ExactlyTheLimit_ReturnsEveryByte(long? sizeHint, int bytesPerRead)
    {
        byte[] data = Data(Limit);

        using PooledBytes body = await BodyReader.ReadToEndAsync(new TrickleStream(data, bytesPerRead), sizeHint, Limit, CancellationToken.None);

        Assert.Equal(Limit, body.Length);
        Assert.True(body.Span.SequenceEqual(data));
    }

    [Theory]
    [MemberData(nameof(SizeHints))]
    public async Task ReadToEndAsync_OneByteOverTheLimit_RequestTooLarge(long? sizeHint, int bytesPerRead)
    {
        byte[] data = Data(Limit + 1);

        var error = await Assert.ThrowsAsync<RequestTooLargeException>(() =>
            BodyReader.ReadToEndAsync(new TrickleStream(data, bytesPerRead), sizeHint, Limit, CancellationToken.None));

        Assert.Contains($"{Limit} bytes", error.Message);
        Assert.Contains("Cpst:Limits:MaxRequestBytes", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16 * 1024)]
    [InlineData(16 * 1024 + 1)]
    [InlineData(Limit - 1)]
    public async Task ReadToEndAsync_UnderTheLimit_ReturnsEveryByte(int length)
    {
        byte[] data = Data(length);

        using PooledBytes body = await BodyReader.ReadToEndAsync(new MemoryStream(data), null, Limit, CancellationToken.None);

        Assert.Equal(length, body.Length);
        Assert.True(body.Span.SequenceEqual(data));
    }

    [Fact]
    public async Task GunzipAsync_SmallPayload_Inflated()
    {
        byte[] data = Data(50_000);
        byte[] compressed = Gzip(data);

        using PooledBytes inflated = await BodyReader.GunzipAsync(new PooledBytes(compressed, compressed.Length), Limit, CancellationToken.None);

        Assert.True(inflated.Span.SequenceEqual(data));
    }

    [Fact]
    public async Task GunzipAsync_InflatesToExactlyTheLimit_Accepted()
    {
        byte[] compressed = Gzip(new byte[Limit]);

        using PooledBytes inflated = await BodyReader.GunzipAsync(new PooledBytes(compressed, compressed.Length), Limit, CancellationToken.None);

        Assert.Equal(Limit, inflated.Length);
    }

    [Fact]
    public async Task GunzipAsync_GzipBomb_RequestTooLargeAtTheLimit()
    {
        byte[] bomb = Gzip(new byte[10 * 1024 * 1024], CompressionLevel.SmallestSize);
        Assert.True(bomb.Length < 64 * 1024, $"{bomb.Length} bytes compressed");

        await Assert.ThrowsAsync<RequestTooLargeException>(() =>
            BodyReader.GunzipAsync(new PooledBytes(bomb, bomb.Length), 1024 * 1024, CancellationToken.None));
    }

    [Fact]
    public async Task GunzipAsync_GzipBomb_AllocatesAboutTheLimitNotTheInflatedSize()
    {
        byte[] bomb = Gzip(new byte[200 * 1024 * 1024], CompressionLevel.Fastest);
        var compressed = new PooledBytes(bomb, bomb.Length);
        await Assert.ThrowsAsync<RequestTooLargeException>(() => BodyReader.GunzipAsync(compressed, 1024 * 1024, CancellationToken.None)); // warm the pool

        // Inflating from memory completes synchronously, so this thread's allocations are the reader's.
        long before = GC.GetAllocatedBytesForCurrentThread();
        Task<PooledBytes> inflating = BodyReader.GunzipAsync(compressed, 1024 * 1024, CancellationToken.None);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(inflating.IsCompleted, "expected the inflate to complete synchronously");
        await Assert.ThrowsAsync<RequestTooLargeException>(() => inflating);
        Assert.True(allocated < 8 * 1024 * 1024, $"{allocated} bytes allocated for a 200 MiB bomb with a 1 MiB limit");
    }

    [Fact]
    public async Task GunzipAsync_NotGzip_MalformedRequest()
    {
        byte[] garbage = "this body was sent with Content-Encoding: gzip but is plain text"u8.ToArray();

        var error = await Assert.ThrowsAsync<OtlpFormatException>(() =>
            BodyReader.GunzipAsync(new PooledBytes(garbage, garbage.Length), Limit, CancellationToken.None));

        Assert.Contains("gzip", error.Message);
    }
}
