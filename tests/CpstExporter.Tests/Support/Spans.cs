using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.Support;

/// <summary>Builds OTLP requests with the generated classes, the reference encoding of the wire format.</summary>
internal static class Spans
{
    public static byte[] TraceId(int n) => Convert.FromHexString($"{n:x8}00000000000000000000000a");
    public static string TraceHex(int n) => Convert.ToHexStringLower(TraceId(n));
    public static byte[] SpanId(int n) => Convert.FromHexString($"{n:x8}0000000b");

    public static KeyValue Attr(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };
    public static KeyValue Attr(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };
    public static KeyValue Attr(string key, double value) => new() { Key = key, Value = new AnyValue { DoubleValue = value } };
    public static KeyValue Attr(string key, bool value) => new() { Key = key, Value = new AnyValue { BoolValue = value } };

    public static Span Root(int trace, params KeyValue[] attributes) => Make(trace, 1, 0, attributes);

    public static Span Child(int trace, int span, params KeyValue[] attributes) => Make(trace, span, 1, attributes);

    public static Span Llm(int trace, int span, string model, long input, long output, params KeyValue[] more) =>
        Child(trace, span, [Attr("gen_ai.operation.name", "chat"), Attr("gen_ai.request.model", model),
            Attr("gen_ai.usage.input_tokens", input), Attr("gen_ai.usage.output_tokens", output), .. more]);

    public static Span Tool(int trace, int span, string tool) =>
        Child(trace, span, Attr("gen_ai.operation.name", "execute_tool"), Attr("gen_ai.tool.name", tool));

    public static Span Make(int trace, int span, int parent, params KeyValue[] attributes)
    {
        var result = new Span
        {
            TraceId = ByteString.CopyFrom(TraceId(trace)),
            SpanId = ByteString.CopyFrom(SpanId(span)),
            Name = "span",
            StartTimeUnixNano = 1_700_000_000_000_000_000UL + (ulong)span,
            EndTimeUnixNano = 1_700_000_001_000_000_000UL + (ulong)span,
        };
        if (parent != 0) result.ParentSpanId = ByteString.CopyFrom(SpanId(parent));
        result.Attributes.AddRange(attributes);
        return result;
    }

    public static ExportTraceServiceRequest Request(string serviceName, params Span[] spans) =>
        Request([Attr("service.name", serviceName)], spans);

    public static ExportTraceServiceRequest Request(KeyValue[] resource, params Span[] spans)
    {
        var scope = new ScopeSpans();
        scope.Spans.AddRange(spans);
        var resourceSpans = new ResourceSpans { Resource = new Resource() };
        resourceSpans.Resource.Attributes.AddRange(resource);
        resourceSpans.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resourceSpans);
        return request;
    }
}
