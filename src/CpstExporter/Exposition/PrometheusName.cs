using System.Text;

namespace CpstExporter.Exposition;

/// <summary>
/// The Prometheus name of an OpenTelemetry instrument or attribute, as OpenTelemetry's Prometheus and OpenMetrics
/// compatibility specification translates it (and the Collector's Prometheus exporter and Prometheus's own OTLP
/// receiver do): characters a Prometheus name cannot hold become <c>_</c>, the unit is appended as a word
/// (<c>By</c> → <c>bytes</c>, <c>s</c> → <c>seconds</c>, <c>By/s</c> → <c>bytes_per_second</c>), a unit in braces
/// such as <c>{connection}</c> is an annotation and is dropped, a gauge of unit <c>1</c> ends in <c>_ratio</c>, and a
/// counter ends in <c>_total</c>. So <c>dotnet.gc.heap.total_allocated</c> (a counter of <c>By</c>) is
/// <c>dotnet_gc_heap_total_allocated_bytes_total</c>, the name a dashboard built on OpenTelemetry's .NET runtime
/// metrics in Prometheus already queries.
/// </summary>
internal static class PrometheusName
{
    private static readonly Dictionary<string, string> Units = new(StringComparer.Ordinal)
    {
        ["d"] = "days", ["h"] = "hours", ["min"] = "minutes", ["s"] = "seconds", ["ms"] = "milliseconds",
        ["us"] = "microseconds", ["ns"] = "nanoseconds",
        ["By"] = "bytes", ["KiBy"] = "kibibytes", ["MiBy"] = "mebibytes", ["GiBy"] = "gibibytes", ["TiBy"] = "tebibytes",
        ["KBy"] = "kilobytes", ["MBy"] = "megabytes", ["GBy"] = "gigabytes", ["TBy"] = "terabytes",
        ["m"] = "meters", ["V"] = "volts", ["A"] = "amperes", ["J"] = "joules", ["W"] = "watts", ["g"] = "grams",
        ["Cel"] = "celsius", ["Hz"] = "hertz", ["%"] = "percent",
    };

    private static readonly Dictionary<string, string> PerUnits = new(StringComparer.Ordinal)
    {
        ["s"] = "second", ["m"] = "minute", ["h"] = "hour", ["d"] = "day", ["w"] = "week", ["mo"] = "month", ["y"] = "year",
    };

    /// <param name="counter">A monotonic sum (Counter, ObservableCounter): the name ends in <c>_total</c>.</param>
    public static string Metric(string name, string? unit, bool counter)
    {
        string metric = Sanitize(name);
        string suffix = UnitSuffix(unit, counter);
        if (suffix.Length > 0 && !metric.EndsWith("_" + suffix, StringComparison.Ordinal)) metric = $"{metric}_{suffix}";
        if (counter && !metric.EndsWith("_total", StringComparison.Ordinal)) metric += "_total";
        return metric;
    }

    /// <summary>An attribute key as a label name: <c>gc.heap.generation</c> → <c>gc_heap_generation</c>.</summary>
    public static string Label(string key)
    {
        string label = Sanitize(key);
        return label.Length > 0 && char.IsAsciiDigit(label[0]) ? "key_" + label : label;
    }

    private static string UnitSuffix(string? unit, bool counter)
    {
        if (string.IsNullOrEmpty(unit)) return "";
        if (unit == "1") return counter ? "" : "ratio";
        string[] parts = unit.Split('/', 2);
        string main = Word(parts[0], Units);
        if (parts.Length == 1) return main;
        string per = Word(parts[1], PerUnits);
        if (per.Length == 0) return main;
        return main.Length == 0 ? $"per_{per}" : $"{main}_per_{per}";
    }

    /// <summary>A unit as a word: known units spelled out, annotations (<c>{…}</c>) dropped, anything else kept, sanitized.</summary>
    private static string Word(string unit, Dictionary<string, string> known)
    {
        unit = StripAnnotations(unit);
        if (unit.Length == 0) return "";
        return known.TryGetValue(unit, out string? word) ? word : Sanitize(unit).Trim('_');
    }

    private static string StripAnnotations(string unit)
    {
        var kept = new StringBuilder(unit.Length);
        int depth = 0;
        foreach (char c in unit)
        {
            if (c == '{') depth++;
            else if (c == '}' && depth > 0) depth--;
            else if (depth == 0) kept.Append(c);
        }
        return kept.ToString().Trim();
    }

    /// <summary>Every character outside <c>[a-zA-Z0-9_]</c> becomes <c>_</c>, and runs of <c>_</c> one.</summary>
    private static string Sanitize(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            char kept = char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_';
            if (kept == '_' && text.Length > 0 && text[^1] == '_') continue;
            text.Append(kept);
        }
        return text.ToString();
    }
}
