using System.Globalization;

namespace CpstExporter.Tests.Support;

/// <summary>Reads sample values out of an exposition, by exact series text: <c>name{labels}</c>.</summary>
internal static class MetricsText
{
    public static decimal? Value(string exposition, string series)
    {
        foreach (string line in exposition.Split('\n'))
        {
            if (!line.StartsWith(series + " ", StringComparison.Ordinal)) continue;
            string rest = line[(series.Length + 1)..];
            int exemplar = rest.IndexOf(" #", StringComparison.Ordinal);
            if (exemplar >= 0) rest = rest[..exemplar];
            return decimal.Parse(rest, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        return null;
    }

    /// <summary>The sum of every sample of <paramref name="metric"/> (all its label sets), as <c>sum(metric)</c> would give.</summary>
    public static decimal Sum(string exposition, string metric) => Samples(exposition, metric).Sum(s => s.Value);

    /// <summary>Every sample of <paramref name="metric"/>: the label text between the braces, and the value.</summary>
    public static IEnumerable<(string Labels, decimal Value)> Samples(string exposition, string metric)
    {
        foreach (string line in exposition.Split('\n'))
        {
            if (!line.StartsWith(metric, StringComparison.Ordinal) || line.Length == metric.Length) continue;
            string rest = line[metric.Length..];
            string labels = "";
            if (rest[0] == '{')
            {
                int close = LabelsEnd(rest);
                labels = rest[1..close];
                rest = rest[(close + 1)..];
            }
            else if (rest[0] != ' ') continue; // another metric whose name starts with this one
            rest = rest.TrimStart();
            int exemplar = rest.IndexOf(" #", StringComparison.Ordinal);
            if (exemplar >= 0) rest = rest[..exemplar];
            yield return (labels, decimal.Parse(rest, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The closing brace of the label set that starts <paramref name="rest"/>, skipping braces inside quoted values.</summary>
    private static int LabelsEnd(string rest)
    {
        bool quoted = false;
        for (int i = 1; i < rest.Length; i++)
        {
            if (quoted && rest[i] == '\\') i++;
            else if (rest[i] == '"') quoted = !quoted;
            else if (!quoted && rest[i] == '}') return i;
        }
        throw new FormatException($"label set not closed: {rest}");
    }

    public static decimal Required(string exposition, string series) =>
        Value(exposition, series) ?? throw new Xunit.Sdk.XunitException($"series not found: {series}\n{exposition}");
}
