using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary><c>cpst_series_overflow_total{metric}</c>: one counter per metric name known at start.</summary>
internal sealed class OverflowCounter
{
    private readonly string[] _metrics;
    private readonly long[] _counts;

    public OverflowCounter(IEnumerable<string> metrics)
    {
        _metrics = metrics.Distinct().ToArray();
        _counts = new long[_metrics.Length];
    }

    /// <summary>The slot of <paramref name="metric"/>, looked up once so that counting a fold compares no strings.</summary>
    public int IndexOf(string metric)
    {
        int index = Array.IndexOf(_metrics, metric);
        if (index < 0) throw new ArgumentException($"{metric} is not a metric with a series limit", nameof(metric));
        return index;
    }

    public void Increment(int index) => Saturating.AddInterlocked(ref _counts[index], 1);

    public long Get(string metric) => Interlocked.Read(ref _counts[IndexOf(metric)]);

    public IEnumerable<(string Metric, long Count)> Values()
    {
        for (int i = 0; i < _metrics.Length; i++) yield return (_metrics[i], Interlocked.Read(ref _counts[i]));
    }
}
