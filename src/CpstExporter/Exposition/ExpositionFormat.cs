namespace CpstExporter.Exposition;

/// <summary>The two formats <c>/metrics</c> speaks, chosen from the Accept header.</summary>
internal enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4: the default.</summary>
    Text,
    /// <summary>OpenMetrics 1.0.0: with exemplars, <c># EOF</c>.</summary>
    OpenMetrics,
}
