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

    public static decimal Required(string exposition, string series) =>
        Value(exposition, series) ?? throw new Xunit.Sdk.XunitException($"series not found: {series}\n{exposition}");
}
