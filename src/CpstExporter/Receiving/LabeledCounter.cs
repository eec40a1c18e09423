using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

/// <summary>
/// A counter with one label whose values are fixed at start (protocol, reason): no lookup, no allocation. The label's
/// name is its metric's, declared in Aggregation's metric catalogue, which the exposition writes from.
/// </summary>
internal sealed class LabeledCounter<TLabel>(params (TLabel Value, string Label)[] values)
    where TLabel : struct, Enum
{
    private readonly long[] _counts = new long[values.Length];

    public void Add(TLabel value, long count = 1)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!EqualityComparer<TLabel>.Default.Equals(values[i].Value, value)) continue;
            Saturating.AddInterlocked(ref _counts[i], count);
            return;
        }
    }

    public long Get(TLabel value)
    {
        for (int i = 0; i < values.Length; i++)
            if (EqualityComparer<TLabel>.Default.Equals(values[i].Value, value)) return Interlocked.Read(ref _counts[i]);
        return 0;
    }

    public IEnumerable<(string Label, long Count)> Values()
    {
        for (int i = 0; i < values.Length; i++) yield return (values[i].Label, Interlocked.Read(ref _counts[i]));
    }
}
