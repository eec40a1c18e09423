using System.Buffers;

namespace CpstExporter.Receiving;

/// <summary>A request body in a rented array; dispose to return it.</summary>
internal readonly struct PooledBytes(byte[] array, int length) : IDisposable
{
    /// <summary>
    /// Largest array given back to the shared pool: an SDK's export (a few hundred KB) is read into reused arrays, while
    /// one that grew for a large or highly compressed request is left to the garbage collector rather than kept by the
    /// pool, which holds on to what it is given until a full collection trims it.
    /// </summary>
    public const int MaxPooledLength = 1024 * 1024;

    public byte[] Array { get; } = array;
    public int Length { get; } = length;
    public ReadOnlySpan<byte> Span => Array.AsSpan(0, Length);

    public void Dispose() => Return(Array);

    /// <summary>Gives an array rented from the shared pool back to it, unless it is empty or larger than <see cref="MaxPooledLength"/>.</summary>
    public static void Return(byte[] array)
    {
        if (array.Length is > 0 and <= MaxPooledLength) ArrayPool<byte>.Shared.Return(array);
    }
}
