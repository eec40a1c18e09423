using System.Globalization;

namespace CpstExporter.Exposition;

/// <summary>Which <see cref="ExpositionFormat"/> a scrape asked for, and the content type it is answered with.</summary>
internal static class ExpositionFormatNegotiation
{
    public const string TextContentType = "text/plain; version=0.0.4; charset=utf-8";
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    public static string ContentType(this ExpositionFormat format) =>
        format == ExpositionFormat.OpenMetrics ? OpenMetricsContentType : TextContentType;

    /// <summary>
    /// Picks OpenMetrics when the Accept header ranks <c>application/openmetrics-text</c> at least as high as any
    /// text format it also accepts (Prometheus sends it first, with q=1); anything else gets text 0.0.4.
    /// </summary>
    public static ExpositionFormat Negotiate(string? accept)
    {
        if (string.IsNullOrEmpty(accept)) return ExpositionFormat.Text;
        double openMetrics = -1, text = -1;
        foreach (string range in accept.Split(','))
        {
            string[] parts = range.Split(';');
            string type = parts[0].Trim();
            double q = 1;
            string? version = null;
            foreach (string parameter in parts.Skip(1))
            {
                string[] pair = parameter.Split('=', 2);
                if (pair.Length != 2) continue;
                string name = pair[0].Trim();
                if (name.Equals("q", StringComparison.OrdinalIgnoreCase)) double.TryParse(pair[1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out q);
                else if (name.Equals("version", StringComparison.OrdinalIgnoreCase)) version = pair[1].Trim();
            }
            if (type.Equals("application/openmetrics-text", StringComparison.OrdinalIgnoreCase) && version is null or "1.0.0" or "0.0.1")
                openMetrics = Math.Max(openMetrics, q);
            else if (type.Equals("text/plain", StringComparison.OrdinalIgnoreCase) || type == "*/*")
                text = Math.Max(text, q);
        }
        return openMetrics > 0 && openMetrics >= text ? ExpositionFormat.OpenMetrics : ExpositionFormat.Text;
    }
}
