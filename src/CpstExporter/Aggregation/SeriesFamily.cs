using System.Collections.Concurrent;

namespace CpstExporter.Aggregation;

/// <summary>
/// The series of one or more metrics that share a label set, bounded at <c>Cpst:Limits:MaxSeriesPerMetric</c>.
/// Past the limit a new label set is folded into an overflow series whose labels read <c>__overflow__</c>, except
/// <c>outcome</c> and <c>token_type</c>, so totals and CPST stay exact; each folded update is counted in
/// <c>cpst_series_overflow_total</c>.
/// </summary>
internal sealed class SeriesFamily<TKey, TSeries>
    where TKey : notnull, IEquatable<TKey>
    where TSeries : Series
{
    public const string OverflowValue = "__overflow__";

    private readonly ConcurrentDictionary<TKey, TSeries> _byKey = new();
    private readonly Lock _addLock = new();
    private readonly int _maxSeries;
    private readonly Func<TKey, TSeries> _create;
    private readonly Func<TKey, TKey> _toOverflow;
    private readonly OverflowCounter _overflow;
    private TSeries[] _ordered = new TSeries[16];
    private int _count;

    public SeriesFamily(string[] labelNames, string[] metricNames, int maxSeries,
        Func<TKey, TSeries> create, Func<TKey, TKey> toOverflow, OverflowCounter overflow)
    {
        LabelNames = labelNames;
        MetricNames = metricNames;
        _maxSeries = maxSeries;
        _create = create;
        _toOverflow = toOverflow;
        _overflow = overflow;
    }

    public string[] LabelNames { get; }
    public string[] MetricNames { get; }

    public TSeries Get(in TKey key)
    {
        // Consecutive updates mostly hit the same label set (a task's calls to one model), and label values come from
        // one cache, so comparing with the last key found is a few reference checks instead of hashing every string.
        ref LastFound last = ref t_last;
        if (ReferenceEquals(last.Family, this) && last.Key.Equals(key)) return last.Series!;
        if (!_byKey.TryGetValue(key, out TSeries? series)) return Add(key); // folded keys are not remembered: each fold is counted
        last = new LastFound(this, key, series);
        return series;
    }

    private struct LastFound(SeriesFamily<TKey, TSeries> family, TKey key, TSeries series)
    {
        public readonly SeriesFamily<TKey, TSeries>? Family = family;
        public readonly TKey Key = key;
        public readonly TSeries? Series = series;
    }

    /// <summary>Per thread and per closed type; <see cref="LastFound.Family"/> tells the instances of a type apart.</summary>
    [ThreadStatic] private static LastFound t_last;

    /// <summary>The series in creation order. Safe to read while others add: count is read before the array.</summary>
    public ReadOnlySpan<TSeries> All
    {
        get
        {
            int count = Volatile.Read(ref _count);
            return Volatile.Read(ref _ordered).AsSpan(0, count);
        }
    }

    private TSeries Add(TKey key)
    {
        lock (_addLock)
        {
            if (_byKey.TryGetValue(key, out TSeries? series)) return series;
            if (_count >= _maxSeries)
            {
                foreach (string metric in MetricNames) _overflow.Increment(metric);
                key = _toOverflow(key);
                if (_byKey.TryGetValue(key, out series)) return series;
            }
            series = _create(key);
            if (_count == _ordered.Length)
            {
                var larger = new TSeries[_ordered.Length * 2];
                _ordered.CopyTo(larger, 0);
                Volatile.Write(ref _ordered, larger);
            }
            _ordered[_count] = series;
            Volatile.Write(ref _count, _count + 1);
            _byKey[key] = series;
            return series;
        }
    }
}
