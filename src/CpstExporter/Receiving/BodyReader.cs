using System.Buffers;
using System.IO.Compression;

namespace CpstExporter.Receiving;

/// <summary>
/// Reads request bodies into pooled arrays, never past the configured limit: a body or a decompressed stream that
/// would exceed it is cut off there and refused, so a gzip bomb costs at most the limit in memory. Arrays larger than
/// <see cref="PooledBytes.MaxPooledLength"/> are not given back to the pool.
/// </summary>
internal static class BodyReader
{
    private const int InitialSize = 16 * 1024;

    /// <summary>Reads the stream to its end; throws <see cref="RequestTooLargeException"/> past <paramref name="limit"/> bytes.</summary>
    public static async Task<PooledBytes> ReadToEndAsync(Stream body, long? sizeHint, int limit, CancellationToken cancel)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(sizeHint ?? InitialSize, 1, Math.Max(1, limit)));
        int length = 0;
        try
        {
            while (true)
            {
                int capacity = Math.Min(buffer.Length, limit);
                if (length == capacity)
                {
                    if (capacity == limit)
                    {
                        // Full at the limit: one more byte decides whether the body was exactly the limit or over it.
                        if (await body.ReadAsync(new byte[1], cancel).ConfigureAwait(false) == 0) return new PooledBytes(buffer, length);
                        throw new RequestTooLargeException(limit);
                    }
                    byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    PooledBytes.Return(buffer);
                    buffer = larger;
                    continue;
                }
                int read = await body.ReadAsync(buffer.AsMemory(length, capacity - length), cancel).ConfigureAwait(false);
                if (read == 0) return new PooledBytes(buffer, length);
                length += read;
            }
        }
        catch
        {
            PooledBytes.Return(buffer);
            throw;
        }
    }

    /// <summary>Inflates a gzip payload up to <paramref name="limit"/> bytes; a corrupt stream is a malformed request.</summary>
    public static async Task<PooledBytes> GunzipAsync(PooledBytes compressed, int limit, CancellationToken cancel)
    {
        using var source = new MemoryStream(compressed.Array, 0, compressed.Length, writable: false);
        using var gzip = new GZipStream(source, CompressionMode.Decompress);
        try
        {
            return await ReadToEndAsync(gzip, (long)compressed.Length * 4, limit, cancel).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new OtlpFormatException($"invalid gzip data: {e.Message}");
        }
    }
}
