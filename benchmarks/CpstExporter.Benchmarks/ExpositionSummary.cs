using System.Globalization;

namespace CpstExporter.Benchmarks;

/// <summary>
/// Compares two expositions of the same series by metric name: sample lines, exemplars, and the sum of the values.
/// Label order, number spelling (<c>le="1"</c> or <c>le="1.0"</c>, <c>0.0025</c> or <c>2.5E-3</c>), help texts and
/// exemplar timestamps may differ; what Prometheus would store may not.
/// </summary>
internal static class ExpositionSummary
{
    /// <summary>A one-line summary of both; throws when they disagree on a metric.</summary>
    public static string Check(string ours, string theirs)
    {
        var a = Read(ours);
        var b = Read(theirs);
        var problems = new List<string>();
        foreach (string name in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            a.TryGetValue(name, out Metric x);
            b.TryGetValue(name, out Metric y);
            if (x.Samples != y.Samples) problems.Add($"{name}: {x.Samples} samples against {y.Samples}");
            if (x.Exemplars != y.Exemplars) problems.Add($"{name}: {x.Exemplars} exemplars against {y.Exemplars}");
            // The process metrics are read at different moments; everything else was fed the same values.
            bool comparable = !name.StartsWith("process_", StringComparison.Ordinal);
            if (comparable && Math.Abs(x.Sum - y.Sum) > 1e-9 * Math.Max(1, Math.Abs(x.Sum)))
                problems.Add($"{name}: values add up to {x.Sum.ToString("R", CultureInfo.InvariantCulture)} against {y.Sum.ToString("R", CultureInfo.InvariantCulture)}");
        }
        if (problems.Count > 0)
            throw new InvalidOperationException("the two expositions do not hold the same series: " + string.Join("; ", problems));
        return $"{a.Values.Sum(m => m.Samples)} samples and {a.Values.Sum(m => m.Exemplars)} exemplars in {a.Count} metric names in both; " +
            $"{ours.Length:N0} bytes (ours) and {theirs.Length:N0} bytes (prometheus-net)";
    }

    private record struct Metric(int Samples, int Exemplars, double Sum);

    private static Dictionary<string, Metric> Read(string exposition)
    {
        var metrics = new Dictionary<string, Metric>(StringComparer.Ordinal);
        foreach (string line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            int nameEnd = line.IndexOfAny(['{', ' ']);
            string name = line[..nameEnd];
            // Label values may hold spaces; the value follows the closing brace (label values here hold none).
            int valueStart = line[nameEnd] == '{' ? line.IndexOf("} ", nameEnd, StringComparison.Ordinal) + 2 : nameEnd + 1;
            int exemplar = line.IndexOf(" # ", valueStart, StringComparison.Ordinal);
            string value = (exemplar < 0 ? line[valueStart..] : line[valueStart..exemplar]).Split(' ')[0];
            double parsed = value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            metrics.TryGetValue(name, out Metric m);
            metrics[name] = new Metric(m.Samples + 1, m.Exemplars + (exemplar < 0 ? 0 : 1), m.Sum + parsed);
        }
        return metrics;
    }
}
