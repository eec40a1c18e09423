using System.Buffers;

namespace CpstExporter.Receiving;

/// <summary>A request body in a rented array; dispose to return it.</summary>
internal readonly struct PooledBytes(byte[] array, int length) : IDisposable
{
    public byte[] Array { get; } = array;
    public int Length { get; } = length;
    public ReadOnlySpan<byte> Span => Array.AsSpan(0, Length);

    public void Dispose()
    {
        if (Array.Length > 0) ArrayPool<byte>.Shared.Return(Array);
    }
}
