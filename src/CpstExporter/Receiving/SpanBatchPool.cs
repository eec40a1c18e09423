using System.Collections.Concurrent;

namespace CpstExporter.Receiving;

/// <summary>
/// Keeps decoded batches for reuse, bounded by the memory their arrays take: a batch whose arrays grew past
/// <see cref="MaxBatchBytes"/> for one large request is dropped on return rather than kept, and the pool keeps at
/// most <see cref="MaxRetainedBytes"/> in all, so a burst of large requests does not pin its memory afterwards.
/// </summary>
/// <param name="spanKeys">The span attributes its batches keep (those the conventions read); null keeps all.</param>
/// <param name="resourceKeys">The resource attributes its batches keep.</param>
internal sealed class SpanBatchPool(ReceiverOptions options, AttributeKeySet? spanKeys = null, AttributeKeySet? resourceKeys = null)
{
    /// <summary>
    /// Largest batch kept: room for a Collector batch of 8,192 spans with about ten attributes each (about 10 MB decoded),
    /// several times what an SDK's 512-span export needs (about 1 MB).
    /// </summary>
    public const long MaxBatchBytes = 16L * 1024 * 1024;

    /// <summary>What all kept batches take at most.</summary>
    public const long MaxRetainedBytes = 64L * 1024 * 1024;

    private readonly ConcurrentBag<SpanBatch> _batches = new();
    private readonly long _maxDecodedBytes = 2L * options.MaxRequestBytes;
    private long _retained;

    /// <summary>A pool for the default <c>Cpst:Limits:MaxRequestBytes</c>.</summary>
    public SpanBatchPool() : this(new ReceiverOptions())
    {
    }

    /// <summary>Bytes the arrays of the kept batches take.</summary>
    public long RetainedBytes => Interlocked.Read(ref _retained);

    public SpanBatch Rent()
    {
        if (!_batches.TryTake(out SpanBatch? batch)) return new SpanBatch(_maxDecodedBytes, spanKeys, resourceKeys);
        Interlocked.Add(ref _retained, -batch.CapacityBytes);
        return batch;
    }

    public void Return(SpanBatch batch)
    {
        batch.Clear();
        long size = batch.CapacityBytes;
        if (size > MaxBatchBytes) return;
        if (Interlocked.Add(ref _retained, size) > MaxRetainedBytes)
        {
            Interlocked.Add(ref _retained, -size);
            return;
        }
        _batches.Add(batch);
    }
}
