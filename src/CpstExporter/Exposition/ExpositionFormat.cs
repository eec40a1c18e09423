namespace CpstExporter.Exposition;

/// <summary>The formats <c>/metrics</c> speaks, chosen from the Accept header.</summary>
internal enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4: the default.</summary>
    Text,
    /// <summary>OpenMetrics 1.0.0: with exemplars, <c># EOF</c>.</summary>
    OpenMetrics,
    /// <summary>
    /// The Prometheus protobuf format, length-delimited <c>io.prometheus.client.MetricFamily</c> messages: what Prometheus
    /// asks for first with native histograms on; <c>cpst_cost_per_task_usd</c> is a native histogram there.
    /// </summary>
    Protobuf,
}
