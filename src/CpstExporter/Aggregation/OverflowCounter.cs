using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary><c>cpst_series_overflow_total{metric}</c>: one counter per metric with a series limit, known at start.</summary>
internal sealed class OverflowCounter
{
    private readonly MetricDescriptor[] _metrics;
    private readonly long[] _counts;

    public OverflowCounter(IEnumerable<MetricDescriptor> metrics)
    {
        _metrics = metrics.Distinct().ToArray();
        _counts = new long[_metrics.Length];
    }

    /// <summary>The slot of <paramref name="metric"/>, looked up once so that counting a fold compares nothing.</summary>
    public int IndexOf(MetricDescriptor metric)
    {
        int index = Array.IndexOf(_metrics, metric);
        if (index < 0) throw new ArgumentException($"{metric.Name} is not a metric with a series limit", nameof(metric));
        return index;
    }

    public void Increment(int index) => Saturating.AddInterlocked(ref _counts[index], 1);

    public long Get(string metric)
    {
        int index = Array.FindIndex(_metrics, m => m.Name == metric);
        if (index < 0) throw new ArgumentException($"{metric} is not a metric with a series limit", nameof(metric));
        return Interlocked.Read(ref _counts[index]);
    }

    public IEnumerable<(string Metric, long Count)> Values()
    {
        for (int i = 0; i < _metrics.Length; i++) yield return (_metrics[i].Name, Interlocked.Read(ref _counts[i]));
    }
}
