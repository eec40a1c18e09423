using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary>The trace behind an observation, shown as an OpenMetrics exemplar <c># {trace_id="…"} value timestamp</c>.</summary>
internal readonly record struct Exemplar(TraceId TraceId, decimal Value, long TimestampMs)
{
    public bool IsEmpty => TraceId.IsEmpty;
}
