using CpstExporter.Receiving.Otlp;

namespace CpstExporter.Tests.Support;

/// <summary>
/// Spans shaped as instrumentation libraries export them: a name, a kind and a parent anywhere in the tree (the
/// <see cref="Spans"/> helpers hang every child under span 1), in requests that name the library's instrumentation
/// scope. Ids are numbered from the root down, so a span starts after and ends before every span with a smaller id on
/// its path, as when the library times real work.
/// </summary>
internal static class LibrarySpans
{
    private const ulong Start = 1_700_000_000_000_000_000UL;
    private const ulong Millisecond = 1_000_000UL;
    private const ulong Minute = 60_000 * Millisecond;

    public static Span Make(int trace, int span, int parent, string name, Span.Types.SpanKind kind, params KeyValue[] attributes)
    {
        if (parent >= span) throw new ArgumentException("a parent's id is smaller than its children's", nameof(parent));
        Span result = Spans.Make(trace, span, parent, attributes);
        result.Name = name;
        result.Kind = kind;
        result.StartTimeUnixNano = Start + (ulong)span * Millisecond;
        result.EndTimeUnixNano = Start + Minute - (ulong)span * Millisecond;
        return result;
    }

    /// <summary>One export request: the spans of one resource and one instrumentation scope, in the order given.</summary>
    public static ExportTraceServiceRequest Request(KeyValue[] resource, string scope, params Span[] spans)
    {
        ExportTraceServiceRequest request = Spans.Request(resource, spans);
        request.ResourceSpans[0].ScopeSpans[0].Scope = new InstrumentationScope { Name = scope };
        return request;
    }
}
