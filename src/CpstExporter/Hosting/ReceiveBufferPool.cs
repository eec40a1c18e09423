using System.Buffers;

namespace CpstExporter.Hosting;

/// <summary>
/// The memory Kestrel reads sockets into and holds request bodies in: blocks of <see cref="BlockSize"/> bytes rented
/// from <see cref="ArrayPool{T}.Shared"/>, where Kestrel's own pool has blocks of 4 KiB. A socket read fills at most
/// the block it is given, so an OTLP request of a few hundred KiB took a read call (and a pipe segment, and a wake-up
/// of the reader) per 4 KiB; with 64 KiB blocks it takes a sixteenth of them, and the server's CPU per span falls by
/// about 15 % (BENCHMARKS.md), and the message that grpc-dotnet hands the marshaller has a sixteenth of the segments to
/// join. The shared array pool bounds what it keeps (a few dozen arrays of a size per core) and gives it back when the
/// process is idle, so the blocks cost nothing between bursts. The price: a connection or stream that has received
/// anything holds at least one block until the bytes are read, 64 KiB where it was 4 KiB (docs/operations.md).
/// </summary>
internal sealed class ReceiveBufferPool : MemoryPool<byte>
{
    /// <summary>64 KiB: a full socket read of a busy connection, four HTTP/2 DATA frames of the default size.</summary>
    public const int BlockSize = 64 * 1024;

    private long _rented;

    /// <summary>Blocks rented since the pool was created.</summary>
    public long Rented => Interlocked.Read(ref _rented);

    public override int MaxBufferSize => BlockSize;

    /// <summary>A block of exactly <see cref="BlockSize"/> bytes, whatever is asked up to it; Kestrel's pipes ask for
    /// their minimum segment and use what the block offers.</summary>
    /// <exception cref="ArgumentOutOfRangeException">More than <see cref="BlockSize"/> is asked: a pipe allocates
    /// such a buffer itself, as <see cref="MaxBufferSize"/> tells it to.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        Interlocked.Increment(ref _rented);
        return new Block(ArrayPool<byte>.Shared.Rent(BlockSize));
    }

    /// <summary>Blocks still rented go back to the shared pool when their owners dispose them, as they would anyway.</summary>
    protected override void Dispose(bool disposing)
    {
    }

    /// <summary>One rented array; disposing it twice returns it once, and its memory is gone after the first.</summary>
    private sealed class Block(byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(ReceiveBufferPool), "the block was returned");

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is byte[] returned) ArrayPool<byte>.Shared.Return(returned);
        }
    }
}
