using System.Collections.Concurrent;

namespace CpstExporter.Aggregation;

/// <summary>
/// The series of one or more metrics that share a label set, bounded at <c>Cpst:Limits:MaxSeriesPerMetric</c>, of which
/// one use case holds at most a quarter (<see cref="MaxSeriesPerUseCase"/>). A use case past its share folds its new label
/// sets into its own overflow series (labels <c>__overflow__</c> except <c>use_case</c>, <c>outcome</c> and
/// <c>token_type</c>), so its totals stay exact and the rest of the metric stays open to other use cases; past the
/// metric's limit a new label set folds into the overflow series whose labels all read <c>__overflow__</c> except
/// <c>outcome</c> and <c>token_type</c>, so totals and CPST stay exact. Each folded update is counted in
/// <c>cpst_series_overflow_total</c>. See docs/design.md, "Cardinality".
/// </summary>
internal sealed class SeriesFamily<TKey, TSeries>
    where TKey : notnull, IEquatable<TKey>
    where TSeries : Series
{
    public const string OverflowValue = "__overflow__";

    /// <summary>A use case holds at most 1/4 of a metric's label sets: three runaway use cases leave a quarter to the rest.</summary>
    public const int UseCaseShareDivisor = 4;

    private readonly ConcurrentDictionary<TKey, TSeries> _byKey = new();
    private readonly Lock _addLock = new();
    private readonly Func<TKey, TSeries> _create;
    private readonly Func<TKey, TKey> _toOverflow;
    private readonly Func<TKey, string>? _useCaseOf;
    private readonly Func<TKey, TKey>? _toUseCaseOverflow;
    private readonly OverflowCounter _overflow;
    private readonly int[] _overflowSlots;
    /// <summary>Label sets each use case holds as its own (not its overflow series); guarded by <see cref="_addLock"/>.</summary>
    private readonly Dictionary<string, int> _heldByUseCase = new(StringComparer.Ordinal);
    private TSeries[] _ordered = new TSeries[16];
    private int _count;
    /// <summary>Series that count against <see cref="MaxSeries"/>: every series but the overflow ones.</summary>
    private int _held;

    /// <param name="metrics">The metrics whose samples the series hold, from <see cref="MetricCatalogue"/>; the series'
    /// labels are the first one's, which the others may follow with a label of their own (<c>token_type</c>).</param>
    /// <param name="toOverflow">The label set a new one folds into past the metric's limit.</param>
    /// <param name="useCaseOf">The use case of a label set; null when the labels are only <c>use_case</c> and <c>outcome</c>,
    /// so a use case has no more than one label set per outcome and needs no share.</param>
    /// <param name="toUseCaseOverflow">The label set a new one folds into past its use case's share.</param>
    public SeriesFamily(MetricDescriptor[] metrics, int maxSeries, Func<TKey, TSeries> create,
        Func<TKey, TKey> toOverflow, Func<TKey, string>? useCaseOf, Func<TKey, TKey>? toUseCaseOverflow, OverflowCounter overflow)
    {
        if ((useCaseOf is null) != (toUseCaseOverflow is null))
            throw new ArgumentException("a use case share needs both the use case of a label set and its overflow label set");
        string[] labelNames = metrics[0].LabelNames;
        foreach (MetricDescriptor metric in metrics)
            if (!metric.LabelNames.AsSpan().StartsWith(labelNames))
                throw new ArgumentException($"{metric.Name} does not have the labels of {metrics[0].Name}", nameof(metrics));
        LabelNames = labelNames;
        Metrics = metrics;
        MaxSeries = maxSeries;
        MaxSeriesPerUseCase = Math.Max(1, maxSeries / UseCaseShareDivisor);
        _create = create;
        _toOverflow = toOverflow;
        _useCaseOf = useCaseOf;
        _toUseCaseOverflow = toUseCaseOverflow;
        _overflow = overflow;
        _overflowSlots = Array.ConvertAll(metrics, overflow.IndexOf);
    }

    /// <summary>The labels of each series, in the order of its <see cref="Series.LabelValues"/>.</summary>
    public string[] LabelNames { get; }

    /// <summary>The metrics whose samples the series hold.</summary>
    public MetricDescriptor[] Metrics { get; }

    /// <summary>Label sets of the metric before new ones fold into the all-<c>__overflow__</c> series.</summary>
    public int MaxSeries { get; }

    /// <summary>Label sets one use case holds before its new ones fold into its own overflow series.</summary>
    public int MaxSeriesPerUseCase { get; }

    public TSeries Get(in TKey key)
    {
        // Consecutive updates mostly hit the same label set (a task's calls to one model), and label values come from
        // one cache, so comparing with the last key found is a few reference checks instead of hashing every string.
        // A folded label set is remembered too (where it folds never changes: shares and the limit only fill up), so a
        // run of updates to one folded label set does not take the lock each time; each of them is still counted.
        ref LastFound last = ref t_last;
        if (ReferenceEquals(last.Family, this) && last.Key.Equals(key))
        {
            if (last.Folded) CountFold();
            return last.Series!;
        }
        bool folded = false;
        if (!_byKey.TryGetValue(key, out TSeries? series)) series = Add(key, out folded);
        last = new LastFound(this, key, series, folded);
        return series;
    }

    private struct LastFound(SeriesFamily<TKey, TSeries> family, TKey key, TSeries series, bool folded)
    {
        public readonly SeriesFamily<TKey, TSeries>? Family = family;
        public readonly TKey Key = key;
        public readonly TSeries? Series = series;
        public readonly bool Folded = folded;
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

    private TSeries Add(TKey key, out bool folded)
    {
        lock (_addLock)
        {
            folded = false;
            if (_byKey.TryGetValue(key, out TSeries? series)) return series;

            string? useCase = _useCaseOf?.Invoke(key);
            int heldByUseCase = 0;
            if (useCase is not null) _heldByUseCase.TryGetValue(useCase, out heldByUseCase);

            // The share is checked first: a use case that reached it already has its overflow series, or gets one even
            // when the metric is full, so its total stays exact. That adds at most one series per outcome for each use
            // case that can reach its share (MaxSeries / MaxSeriesPerUseCase of them, 4 with the default): bounded.
            if (useCase is not null && heldByUseCase >= MaxSeriesPerUseCase) key = _toUseCaseOverflow!(key);
            else if (_held >= MaxSeries) key = _toOverflow(key);
            else
            {
                series = Append(key);
                _held++;
                if (useCase is not null) _heldByUseCase[useCase] = heldByUseCase + 1;
                return series;
            }

            folded = true;
            CountFold();
            return _byKey.TryGetValue(key, out series) ? series : Append(key);
        }
    }

    private TSeries Append(TKey key)
    {
        TSeries series = _create(key);
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

    private void CountFold()
    {
        foreach (int slot in _overflowSlots) _overflow.Increment(slot);
    }
}
