using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary>A plain counter series, e.g. <c>cpst_unpriced_llm_calls_total</c> for one (use_case, model).</summary>
internal sealed class CountSeries(string[] labelValues) : Series(labelValues)
{
    private long _count;

    public void Increment(int by = 1) => Saturating.AddInterlocked(ref _count, by);

    public long Value => Interlocked.Read(ref _count);
}
