using System.Globalization;

namespace CpstExporter.LoadGen.Bench;

/// <summary>One scrape of the exporter's <c>/metrics</c>, read just enough for the harness: sums of samples by name.</summary>
internal sealed class MetricsSnapshot
{
    private readonly List<(string Series, double Value)> _samples = [];

    private MetricsSnapshot(long timestamp) => Timestamp = timestamp;

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> ticks when the scrape was answered.</summary>
    public long Timestamp { get; }

    /// <summary>Samples in the scrape: what Prometheus counts as the target's series.</summary>
    public int SampleCount => _samples.Count;

    public static MetricsSnapshot Parse(string text, long timestamp)
    {
        var snapshot = new MetricsSnapshot(timestamp);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            int exemplar = line.IndexOf(" # ", StringComparison.Ordinal);
            if (exemplar >= 0) line = line[..exemplar];
            int space = line.LastIndexOf(' ');
            if (space <= 0) continue;
            // OpenMetrics may add a timestamp after the value; this exporter does not, but keep the value only.
            string series = line[..space];
            if (!double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                int previous = series.LastIndexOf(' ');
                if (previous <= 0 || !double.TryParse(series[(previous + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out value)) continue;
                series = series[..previous];
            }
            snapshot._samples.Add((series, value));
        }
        return snapshot;
    }

    /// <summary>The sum of every sample of metric <paramref name="name"/> whose labels contain <paramref name="labels"/>.</summary>
    public double Sum(string name, string? labels = null)
    {
        double sum = 0;
        foreach (var (series, value) in _samples)
        {
            int brace = series.IndexOf('{', StringComparison.Ordinal);
            string metric = brace < 0 ? series : series[..brace];
            if (metric != name) continue;
            if (labels is not null && (brace < 0 || !series.AsSpan(brace).Contains(labels, StringComparison.Ordinal))) continue;
            sum += value;
        }
        return sum;
    }
}
