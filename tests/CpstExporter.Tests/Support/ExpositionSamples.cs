using System.Globalization;
using System.Text;
using CpstExporter.Tests.Proto.Prometheus;
using Google.Protobuf;

namespace CpstExporter.Tests.Support;

/// <summary>
/// An exposition as the samples Prometheus would store from it: <c>name{label="value",…}</c> (labels sorted, values
/// unescaped) → value, from the text format or from the protobuf format decoded with the classes generated from
/// Proto/io/prometheus/client/metrics.proto. A histogram's classic buckets become <c>_bucket</c>, <c>_sum</c> and
/// <c>_count</c> samples in both, so the two formats compare sample by sample.
/// </summary>
internal static class ExpositionSamples
{
    /// <summary>Every <c>MetricFamily</c> of a length-delimited protobuf exposition, in order.</summary>
    public static List<MetricFamily> DecodeProtobuf(ReadOnlySpan<byte> exposition)
    {
        var families = new List<MetricFamily>();
        using var stream = new MemoryStream(exposition.ToArray());
        while (stream.Position < stream.Length) families.Add(MetricFamily.Parser.ParseDelimitedFrom(stream));
        return families;
    }

    public static Dictionary<string, double> FromProtobuf(IEnumerable<MetricFamily> families)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (MetricFamily family in families)
        {
            foreach (Metric metric in family.Metric)
            {
                var labels = metric.Label.Select(l => (l.Name, l.Value)).ToList();
                switch (family.Type)
                {
                    case MetricType.Counter:
                        samples.Add(Key(family.Name, labels), metric.Counter.Value);
                        break;
                    case MetricType.Gauge:
                        samples.Add(Key(family.Name, labels), metric.Gauge.Value);
                        break;
                    case MetricType.Histogram:
                        Histogram h = metric.Histogram;
                        foreach (Bucket bucket in h.Bucket)
                            samples.Add(Key(family.Name + "_bucket", [.. labels, ("le", Bound(bucket.UpperBound))]), bucket.CumulativeCount);
                        if (h.Bucket.Count == 0 || !double.IsPositiveInfinity(h.Bucket[^1].UpperBound))
                            samples.Add(Key(family.Name + "_bucket", [.. labels, ("le", "+Inf")]), h.SampleCount);
                        samples.Add(Key(family.Name + "_sum", labels), h.SampleSum);
                        samples.Add(Key(family.Name + "_count", labels), h.SampleCount);
                        break;
                    default:
                        throw new InvalidOperationException($"{family.Name}: type {family.Type} is not one the exporter writes");
                }
            }
        }
        return samples;
    }

    /// <summary>The samples of a text 0.0.4 (or OpenMetrics) exposition; exemplars and comments are left out.</summary>
    public static Dictionary<string, double> FromText(string exposition)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            int at = line.IndexOfAny(['{', ' ']);
            string name = line[..at];
            var labels = new List<(string, string)>();
            if (line[at] == '{')
            {
                at++;
                while (line[at] != '}')
                {
                    int equals = line.IndexOf('=', at);
                    string label = line[at..equals];
                    var value = new StringBuilder();
                    for (at = equals + 2; line[at] != '"'; at++)
                    {
                        if (line[at] == '\\')
                        {
                            at++;
                            value.Append(line[at] == 'n' ? '\n' : line[at]);
                        }
                        else value.Append(line[at]);
                    }
                    labels.Add((label, value.ToString()));
                    at++;
                    if (line[at] == ',') at++;
                }
                at++;
            }
            string rest = line[(at + 1)..];
            int end = rest.IndexOf(' ');
            if (end >= 0) rest = rest[..end];
            samples.Add(Key(name, labels), rest switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => (double)decimal.Parse(rest, NumberStyles.Float, CultureInfo.InvariantCulture),
            });
        }
        return samples;
    }

    /// <summary>A bucket bound as the text format writes it.</summary>
    private static string Bound(double bound) =>
        double.IsPositiveInfinity(bound) ? "+Inf" : ((decimal)bound).ToString(CultureInfo.InvariantCulture);

    private static string Key(string name, List<(string Name, string Value)> labels) =>
        name + "{" + string.Join(",", labels.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => $"{l.Name}=\"{l.Value}\"")) + "}";

    /// <summary>A message as its JSON form, for a failure message that shows what was decoded.</summary>
    public static string Show(IMessage message) => JsonFormatter.Default.Format(message);
}
