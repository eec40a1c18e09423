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

    public void Increment(string metric)
    {
        int index = Array.IndexOf(_metrics, metric);
        if (index >= 0) Interlocked.Increment(ref _counts[index]);
    }

    public IEnumerable<(string Metric, long Count)> Values()
    {
        for (int i = 0; i < _metrics.Length; i++) yield return (_metrics[i], Interlocked.Read(ref _counts[i]));
    }
}
