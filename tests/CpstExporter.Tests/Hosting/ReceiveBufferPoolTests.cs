using System.Buffers;
using System.Runtime.InteropServices;
using CpstExporter.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace CpstExporter.Tests.Hosting;

public sealed class ReceiveBufferPoolTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(ReceiveBufferPool.BlockSize)]
    public void Rent_AnySizeUpToABlock_GivesAWholeBlock(int asked)
    {
        using var pool = new ReceiveBufferPool();
        using IMemoryOwner<byte> block = pool.Rent(asked);

        Assert.Equal(ReceiveBufferPool.BlockSize, block.Memory.Length);
        Assert.Equal(ReceiveBufferPool.BlockSize, pool.MaxBufferSize);
        Assert.Equal(1, pool.Rented);
    }

    [Fact]
    public void Rent_MoreThanABlock_Throws()
    {
        using var pool = new ReceiveBufferPool();

        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(ReceiveBufferPool.BlockSize + 1));
    }

    [Fact]
    public void Dispose_Twice_ReturnsTheArrayOnce()
    {
        using var pool = new ReceiveBufferPool();
        IMemoryOwner<byte> block = pool.Rent();
        block.Dispose();
        block.Dispose();

        // Returned twice, the array would be in the shared pool twice and handed to both of the next two renters.
        using IMemoryOwner<byte> first = pool.Rent(), second = pool.Rent();
        Assert.NotSame(ArrayOf(first), ArrayOf(second));
        Assert.Throws<ObjectDisposedException>(() => block.Memory);
    }

    [Fact]
    public async Task LargeGrpcExport_IsReadInto64KiBBlocks()
    {
        byte[] message = BenchRequests.Concatenated(4);
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        var pools = exporter.Services.GetRequiredService<ReceiveBufferPoolFactory>();
        Assert.Same(pools, exporter.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        long before = pools.Rented;

        using var channel = GrpcClient.Channel(exporter.GrpcAddress);
        await GrpcClient.ExportAsync(channel, message);

        Assert.Equal(4m * BenchRequests.SpansEach,
            MetricsText.Required(await exporter.ScrapeAsync(), "cpst_received_spans_total{protocol=\"grpc\"}"));
        // The socket's pipe and the request body's each hold the message: in 4 KiB blocks, at least 2 × its size / 4 KiB.
        // Pipes give a block back once it is read, so partly filled blocks make the count vary: about 100 here.
        long rented = pools.Rented - before;
        Assert.InRange(rented, 2 * message.Length / ReceiveBufferPool.BlockSize, 2 * message.Length / 4096 / 2);
    }

    private static byte[] ArrayOf(IMemoryOwner<byte> block) =>
        MemoryMarshal.TryGetArray(block.Memory, out ArraySegment<byte> segment) ? segment.Array! : throw new InvalidOperationException("not an array");
}
