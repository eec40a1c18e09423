using System.Globalization;

namespace CpstExporter.Exposition;

/// <summary>Which <see cref="ExpositionFormat"/> a scrape asked for, and the content type it is answered with.</summary>
internal static class ExpositionFormatNegotiation
{
    public const string TextContentType = "text/plain; version=0.0.4; charset=utf-8";
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    public const string ProtobufContentType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    private const string ProtobufMediaType = "application/vnd.google.protobuf";
    private const string ProtobufMessage = "io.prometheus.client.MetricFamily";

    public static string ContentType(this ExpositionFormat format) => format switch
    {
        ExpositionFormat.OpenMetrics => OpenMetricsContentType,
        ExpositionFormat.Protobuf => ProtobufContentType,
        _ => TextContentType,
    };

    /// <summary>
    /// Picks the protobuf format when the Accept header ranks <c>application/vnd.google.protobuf</c> with
    /// <c>proto=io.prometheus.client.MetricFamily</c> and <c>encoding=delimited</c> at least as high as every other
    /// format it accepts (Prometheus with native histograms on sends it first); else OpenMetrics when the header ranks
    /// <c>application/openmetrics-text</c> at least as high as any text format it also accepts (Prometheus sends it
    /// first otherwise); anything else gets text 0.0.4.
    /// </summary>
    public static ExpositionFormat Negotiate(string? accept)
    {
        if (string.IsNullOrEmpty(accept)) return ExpositionFormat.Text;
        double protobuf = -1, openMetrics = -1, text = -1;
        foreach (string range in accept.Split(','))
        {
            string[] parts = range.Split(';');
            string type = parts[0].Trim();
            double q = 1;
            string? version = null, proto = null, encoding = null;
            foreach (string parameter in parts.Skip(1))
            {
                string[] pair = parameter.Split('=', 2);
                if (pair.Length != 2) continue;
                string name = pair[0].Trim();
                string value = pair[1].Trim();
                if (name.Equals("q", StringComparison.OrdinalIgnoreCase)) double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out q);
                else if (name.Equals("version", StringComparison.OrdinalIgnoreCase)) version = value;
                else if (name.Equals("proto", StringComparison.OrdinalIgnoreCase)) proto = value;
                else if (name.Equals("encoding", StringComparison.OrdinalIgnoreCase)) encoding = value;
            }
            if (type.Equals(ProtobufMediaType, StringComparison.OrdinalIgnoreCase))
            {
                if (proto == ProtobufMessage && string.Equals(encoding, "delimited", StringComparison.OrdinalIgnoreCase)) protobuf = Math.Max(protobuf, q);
            }
            else if (type.Equals("application/openmetrics-text", StringComparison.OrdinalIgnoreCase) && version is null or "1.0.0" or "0.0.1")
                openMetrics = Math.Max(openMetrics, q);
            else if (type.Equals("text/plain", StringComparison.OrdinalIgnoreCase) || type == "*/*")
                text = Math.Max(text, q);
        }
        if (protobuf > 0 && protobuf >= openMetrics && protobuf >= text) return ExpositionFormat.Protobuf;
        return openMetrics > 0 && openMetrics >= text ? ExpositionFormat.OpenMetrics : ExpositionFormat.Text;
    }
}
