using System.Collections.Concurrent;

namespace CpstExporter.Receiving;

/// <summary>
/// Keeps decoded batches for reuse. Bounded: at most <see cref="MaxPooled"/> batches are kept, and a batch whose
/// arrays grew past <see cref="MaxRetainedSpans"/> spans is dropped rather than kept, so one huge request does not
/// pin its memory forever.
/// </summary>
internal sealed class SpanBatchPool
{
    private const int MaxPooled = 32;
    private const int MaxRetainedSpans = 64 * 1024;
    private readonly ConcurrentBag<SpanBatch> _batches = new();

    public SpanBatch Rent() => _batches.TryTake(out SpanBatch? batch) ? batch : new SpanBatch();

    public void Return(SpanBatch batch)
    {
        bool oversized = batch.SpanCount > MaxRetainedSpans;
        batch.Clear();
        if (!oversized && _batches.Count < MaxPooled) _batches.Add(batch);
    }
}
