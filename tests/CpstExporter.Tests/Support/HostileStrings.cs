using System.Text;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.Support;

/// <summary>
/// Strings that are no fit for a label value, with the value the exporter makes of each (docs/operations.md, "Hostile
/// input and faults"): invalid UTF-8, control characters, line and paragraph separators, lone surrogates, values far
/// over the 128-byte cut, text that would end a label and start a line. Each starts with its own ASCII tag
/// (<c>hs03-</c>), so the values of one request or one exposition tell apart.
/// </summary>
internal static class HostileStrings
{
    public static readonly HostileString[] All =
    [
        new("invalid UTF-8", Tail([0xFF, 0xFE, 0xC3, (byte)'(', 0xC0, 0xAF, 0x80]), "\uFFFD\uFFFD\uFFFD(\uFFFD\uFFFD\uFFFD"),
        new("a surrogate encoded as UTF-8", Tail([0xED, 0xA0, 0x80, (byte)'x', 0xED, 0xBF, 0xBF]), "\uFFFD\uFFFD\uFFFDx\uFFFD\uFFFD\uFFFD"),
        new("control characters", Tail("nul\0lf\ncr\rtab\tesc\u001b[31mdel\u007f"), "nul\uFFFDlf\uFFFDcr\uFFFDtab\uFFFDesc\uFFFD[31mdel\uFFFD"),
        new("line and paragraph separators", Tail("ls\u2028ps\u2029nel\u0085"), "ls\uFFFDps\uFFFDnel\uFFFD"),
        new("a label and a line injected", Tail("\"} 1\n# EOF\ncpst_tasks_total{use_case=\"x\"} 9\\"), "\"} 1\uFFFD# EOF\uFFFDcpst_tasks_total{use_case=\"x\"} 9\\"),
        new("100,000 characters", Tail(string.Concat(Enumerable.Repeat("模", 100_000))), string.Concat(Enumerable.Repeat("模", 41))),
        new("10,000 invalid bytes", Tail(Enumerable.Repeat((byte)0x80, 10_000).ToArray()), new string('\uFFFD', 41)),
        new("lone surrogate escapes", Tail("x"), "\uFFFDx\uFFFD", JsonTail: @"\ud800x\udfff"),
    ];

    private static byte[] Tail(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Tail(byte[] bytes) => bytes;

    /// <summary>
    /// One task whose every name is <paramref name="value"/>: service, environment, use case, variant, the LLM call's
    /// model (request and response) and provider, the tool. As protobuf: the strings are written as placeholders of the
    /// same length and then overwritten with the bytes, which no protobuf library would write.
    /// </summary>
    public static byte[] Protobuf(int trace, HostileString value)
    {
        string placeholder = value.Placeholder;
        ExportTraceServiceRequest request = Spans.Request(
            [Spans.Attr("service.name", placeholder), Spans.Attr("deployment.environment.name", placeholder)],
            Spans.Root(trace, Spans.Attr("cpst.use_case", placeholder), Spans.Attr("cpst.variant", placeholder), Spans.Attr("outcome", "success")),
            Spans.Llm(trace, 2, placeholder, 1000, 100, Spans.Attr("gen_ai.response.model", placeholder), Spans.Attr("gen_ai.provider.name", placeholder)),
            Spans.Child(trace, 3, Spans.Attr("gen_ai.operation.name", "execute_tool"), Spans.Attr("gen_ai.tool.name", placeholder)));
        byte[] payload = request.ToByteArray();
        byte[] find = Encoding.ASCII.GetBytes(placeholder);
        int replaced = 0;
        for (int at = payload.AsSpan().IndexOf(find); at >= 0; replaced++)
        {
            value.Utf8.CopyTo(payload, at);
            int next = payload.AsSpan(at + find.Length).IndexOf(find);
            at = next < 0 ? -1 : at + find.Length + next;
        }
        if (replaced != 8) throw new InvalidOperationException($"{replaced} placeholders found for {value.Name}");
        return payload;
    }

    /// <summary>The same task in OTLP/JSON, the value written raw but for what JSON must escape (control characters, quote, backslash).</summary>
    public static byte[] Json(int trace, HostileString value)
    {
        string id = Spans.TraceHex(trace), root = Convert.ToHexStringLower(Spans.SpanId(1));
        string span2 = Convert.ToHexStringLower(Spans.SpanId(2)), span3 = Convert.ToHexStringLower(Spans.SpanId(3));
        static string Attr(string key) => "{\"key\":\"" + key + "\",\"value\":{\"stringValue\":\"@V\"}}";
        string json = $$$"""
            {"resourceSpans":[{"resource":{"attributes":[{{{Attr("service.name")}}},{{{Attr("deployment.environment.name")}}}]},"scopeSpans":[{"spans":[
              {"traceId":"{{{id}}}","spanId":"{{{root}}}","name":"invoke_agent","attributes":[{{{Attr("cpst.use_case")}}},{{{Attr("cpst.variant")}}},{"key":"outcome","value":{"stringValue":"success"}}]},
              {"traceId":"{{{id}}}","spanId":"{{{span2}}}","parentSpanId":"{{{root}}}","name":"chat","attributes":[
                {"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{{{Attr("gen_ai.request.model")}}},{{{Attr("gen_ai.response.model")}}},{{{Attr("gen_ai.provider.name")}}},
                {"key":"gen_ai.usage.input_tokens","value":{"intValue":1000}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":100}}]},
              {"traceId":"{{{id}}}","spanId":"{{{span3}}}","parentSpanId":"{{{root}}}","name":"execute_tool","attributes":[
                {"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},{{{Attr("gen_ai.tool.name")}}}]}]}]}]}
            """;
        byte[] literal = value.JsonLiteral;
        var result = new List<byte>(json.Length + 8 * literal.Length);
        string[] parts = json.Split("@V");
        for (int i = 0; i < parts.Length; i++)
        {
            if (i > 0) result.AddRange(literal);
            result.AddRange(Encoding.UTF8.GetBytes(parts[i]));
        }
        return result.ToArray();
    }

    /// <summary>A label value as the text exposition writes it between its quotes.</summary>
    public static string Escaped(string value) => value.Replace("\\", @"\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", @"\n", StringComparison.Ordinal);
}

/// <summary>
/// One hostile string: its bytes after a tag of its own, the label value the exporter makes of them, and, where JSON can
/// say what UTF-8 cannot (a lone surrogate escape), the JSON text of the string instead of its bytes.
/// </summary>
internal sealed record HostileString(string Name, byte[] TailBytes, string ExpectedTail, string? JsonTail = null)
{
    private static int _next;
    private readonly string _tag = $"hs{Interlocked.Increment(ref _next) - 1:D2}-";

    public bool JsonOnly => JsonTail is not null;

    public byte[] Utf8 => [.. Encoding.ASCII.GetBytes(_tag), .. TailBytes];

    /// <summary>The label value every output shows.</summary>
    public string Expected => _tag + ExpectedTail;

    /// <summary>ASCII of the same length as <see cref="Utf8"/>, found nowhere else in a request.</summary>
    public string Placeholder => _tag + new string('~', TailBytes.Length);

    /// <summary>The string's body in JSON: the bytes raw, but for the characters JSON must escape; or <see cref="JsonTail"/>.</summary>
    public byte[] JsonLiteral
    {
        get
        {
            if (JsonTail is not null) return Encoding.UTF8.GetBytes(_tag + JsonTail);
            var bytes = new List<byte>();
            foreach (byte b in Utf8)
            {
                if (b < 0x20 || b == '"' || b == '\\') bytes.AddRange(Encoding.ASCII.GetBytes($"\\u{b:x4}"));
                else bytes.Add(b);
            }
            return bytes.ToArray();
        }
    }

    public override string ToString() => Name;
}
