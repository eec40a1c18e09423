using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

/// <summary>
/// A counter with one label whose values are fixed at start (protocol, reason): one count for each member of the enum,
/// in its order, under the member's label value. No lookup, no allocation. The label's name is its metric's, declared in
/// Aggregation's metric catalogue, which the exposition writes from.
/// </summary>
internal sealed class LabeledCounter<TLabel>(Func<TLabel, string> labelValue)
    where TLabel : struct, Enum
{
    private readonly (TLabel Value, string Label)[] _values = Array.ConvertAll(Enum.GetValues<TLabel>(), v => (v, labelValue(v)));
    private readonly long[] _counts = new long[Enum.GetValues<TLabel>().Length];

    public void Add(TLabel value, long count = 1)
    {
        for (int i = 0; i < _values.Length; i++)
        {
            if (!EqualityComparer<TLabel>.Default.Equals(_values[i].Value, value)) continue;
            Saturating.AddInterlocked(ref _counts[i], count);
            return;
        }
    }

    public long Get(TLabel value)
    {
        for (int i = 0; i < _values.Length; i++)
            if (EqualityComparer<TLabel>.Default.Equals(_values[i].Value, value)) return Interlocked.Read(ref _counts[i]);
        return 0;
    }

    public IEnumerable<(string Label, long Count)> Values()
    {
        for (int i = 0; i < _values.Length; i++) yield return (_values[i].Label, Interlocked.Read(ref _counts[i]));
    }
}
