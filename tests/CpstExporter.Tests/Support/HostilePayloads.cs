using System.IO.Compression;
using System.Text;

namespace CpstExporter.Tests.Support;

/// <summary>
/// Requests that are small on the wire and large once decoded, written byte by byte (the generated classes would
/// need the memory the exporter is meant not to spend): one valid span carrying nothing but attributes without values.
/// </summary>
internal static class HostilePayloads
{
    /// <summary>An <c>ExportTraceServiceRequest</c> in protobuf whose one span has <paramref name="count"/> empty attributes, 2 bytes each.</summary>
    public static byte[] EmptyAttributesProtobuf(int count) => KeyedAttributesProtobuf(count, "");

    /// <summary>
    /// The same with attributes that have a key and no value: <paramref name="key"/> one the conventions read, so the
    /// exporter keeps each as a record (4 + key bytes on the wire each), or empty for attributes it skips (2 bytes each).
    /// </summary>
    public static byte[] KeyedAttributesProtobuf(int count, string key)
    {
        byte[] keyBytes = Encoding.UTF8.GetBytes(key);
        if (keyBytes.Length > 120) throw new ArgumentException("a short key, so that lengths are one byte", nameof(key));
        int keyValueLength = keyBytes.Length == 0 ? 0 : 2 + keyBytes.Length;
        // Span: trace_id (field 1), span_id (field 2), then attributes (field 9).
        long spanLength = 2 + 16 + 2 + 8 + (2L + keyValueLength) * count;
        long scopeLength = 1 + VarintLength(spanLength) + spanLength;
        long resourceLength = 1 + VarintLength(scopeLength) + scopeLength;
        long total = 1 + VarintLength(resourceLength) + resourceLength;
        byte[] payload = new byte[checked((int)total)];
        int at = 0;
        payload[at++] = 0x0A; // ExportTraceServiceRequest.resource_spans
        at = WriteVarint(payload, at, resourceLength);
        payload[at++] = 0x12; // ResourceSpans.scope_spans
        at = WriteVarint(payload, at, scopeLength);
        payload[at++] = 0x12; // ScopeSpans.spans
        at = WriteVarint(payload, at, spanLength);
        payload[at++] = 0x0A;
        payload[at++] = 16;
        Spans.TraceId(1).CopyTo(payload, at);
        at += 16;
        payload[at++] = 0x12;
        payload[at++] = 8;
        Spans.SpanId(1).CopyTo(payload, at);
        at += 8;
        for (int i = 0; i < count; i++)
        {
            payload[at++] = 0x4A; // Span.attributes: a KeyValue
            payload[at++] = (byte)keyValueLength;
            if (keyValueLength == 0) continue;
            payload[at++] = 0x0A; // KeyValue.key
            payload[at++] = (byte)keyBytes.Length;
            keyBytes.CopyTo(payload, at);
            at += keyBytes.Length;
        }
        return payload;
    }

    /// <summary>The same in OTLP/JSON: <c>{}</c> attributes, 3 bytes each.</summary>
    public static byte[] EmptyAttributesJson(int count)
    {
        var json = new StringBuilder(count * 3 + 200);
        json.Append($$"""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"{{Spans.TraceHex(1)}}","spanId":"{{Convert.ToHexStringLower(Spans.SpanId(1))}}","attributes":[""");
        for (int i = 0; i < count; i++) json.Append(i == 0 ? "{}" : ",{}");
        json.Append("]}]}]}]}");
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    public static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.SmallestSize)) zip.Write(data);
        return compressed.ToArray();
    }

    private static int VarintLength(long value)
    {
        int length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }
        return length;
    }

    private static int WriteVarint(byte[] buffer, int at, long value)
    {
        while (value >= 0x80)
        {
            buffer[at++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[at++] = (byte)value;
        return at;
    }
}
