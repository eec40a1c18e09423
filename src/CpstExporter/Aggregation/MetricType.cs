namespace CpstExporter.Aggregation;

/// <summary>The type of a metric family, as both exposition formats name it in <c># TYPE</c>.</summary>
internal enum MetricType
{
    Counter,
    Gauge,
    Histogram,
}
