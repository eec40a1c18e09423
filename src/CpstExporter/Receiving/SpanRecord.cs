using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

/// <summary>The few span fields the pipeline uses; attributes live in the batch's attribute array.</summary>
internal struct SpanRecord
{
    public TraceId TraceId;
    public ulong SpanId;
    /// <summary>0 when the span has no parent: the root of its trace.</summary>
    public ulong ParentSpanId;
    public ulong StartTimeUnixNano;
    public ulong EndTimeUnixNano;
    /// <summary>OTLP status code: 0 unset, 1 ok, 2 error.</summary>
    public int StatusCode;
    public int AttributeStart;
    public int AttributeCount;
    public int ResourceIndex;

    public readonly bool IsRoot => ParentSpanId == 0;
}
