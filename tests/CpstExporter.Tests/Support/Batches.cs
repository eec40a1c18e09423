using CpstExporter.Receiving;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.Support;

/// <summary>Decodes requests built with <see cref="Spans"/> into the batches the pipeline works on.</summary>
internal static class Batches
{
    /// <summary>Decodes keeping every attribute, or only those the key sets name.</summary>
    public static SpanBatch Decode(ExportTraceServiceRequest request, AttributeKeySet? spanKeys = null, AttributeKeySet? resourceKeys = null)
    {
        var batch = new SpanBatch(SpanBatch.DefaultMaxDecodedBytes, spanKeys, resourceKeys);
        OtlpProtobufReader.Read(request.ToByteArray(), batch);
        return batch;
    }

    public static SpanBatch DecodeJson(string json)
    {
        var batch = new SpanBatch();
        OtlpJsonReader.Read(System.Text.Encoding.UTF8.GetBytes(json), batch);
        return batch;
    }

    /// <summary>A copy of a batch that kept every attribute with only those whose key <paramref name="keys"/> names, as a
    /// receiver with that set keeps them.</summary>
    public static SpanBatch Only(SpanBatch batch, AttributeKeySet keys)
    {
        var only = new SpanBatch();
        for (int r = 0; r < batch.ResourceCount; r++)
        {
            ResourceRecord resource = batch.Resources[r];
            int index = only.AddResource();
            only.ResourceAt(index).AttributeStart = only.AttributeCount;
            CopyAttributes(batch, resource.AttributeStart, resource.AttributeCount, keys, only);
            only.CloseResourceAttributes(index);
        }
        foreach (SpanRecord span in batch.Spans)
        {
            ref SpanRecord copy = ref only.AddSpan(span.ResourceIndex);
            int start = copy.AttributeStart;
            copy = span;
            copy.AttributeStart = start;
            CopyAttributes(batch, span.AttributeStart, span.AttributeCount, keys, only);
            only.CloseSpanAttributes(ref copy);
        }
        only.Reject(RejectionReason.InvalidTraceId, batch.RejectedFor(RejectionReason.InvalidTraceId), "copied");
        only.Reject(RejectionReason.InvalidSpanId, batch.RejectedFor(RejectionReason.InvalidSpanId), "copied");
        return only;
    }

    private static void CopyAttributes(SpanBatch from, int start, int count, AttributeKeySet keys, SpanBatch to)
    {
        for (int i = start; i < start + count; i++)
        {
            AttributeRecord attribute = from.Attributes[i];
            if (!keys.TryMatch(from.KeyOf(attribute), out int code)) continue;
            ref AttributeRecord copy = ref to.AddCodedAttribute(code);
            copy.Kind = attribute.Kind;
            copy.Int = attribute.Int;
            copy.Double = attribute.Double;
            if (attribute.Kind == AttributeValueKind.String) to.SetString(ref copy, from.StringOf(attribute));
        }
    }

    /// <summary>A batch as plain text, one line per resource, span and attribute, for comparing two decodings.</summary>
    public static string Describe(SpanBatch batch)
    {
        var text = new System.Text.StringBuilder();
        for (int r = 0; r < batch.ResourceCount; r++)
        {
            ResourceRecord resource = batch.Resources[r];
            text.Append("resource ").Append(r).Append('\n');
            DescribeAttributes(batch, resource.AttributeStart, resource.AttributeCount, text);
        }
        foreach (SpanRecord span in batch.Spans)
        {
            text.Append($"span trace={span.TraceId} id={span.SpanId:x16} parent={span.ParentSpanId:x16} ")
                .Append($"start={span.StartTimeUnixNano} end={span.EndTimeUnixNano} status={span.StatusCode} resource={span.ResourceIndex}\n");
            DescribeAttributes(batch, span.AttributeStart, span.AttributeCount, text);
        }
        text.Append($"rejected={batch.RejectedSpans} trace={batch.RejectedFor(RejectionReason.InvalidTraceId)} span={batch.RejectedFor(RejectionReason.InvalidSpanId)}\n");
        return text.ToString();
    }

    private static void DescribeAttributes(SpanBatch batch, int start, int count, System.Text.StringBuilder text)
    {
        for (int i = start; i < start + count; i++)
        {
            AttributeRecord a = batch.Attributes[i];
            // An attribute kept by its key's code is described by the code: a receiver with key sets copies no key.
            text.Append("  ").Append(a.Code >= 0 ? $"#{a.Code}" : System.Text.Encoding.UTF8.GetString(batch.KeyOf(a))).Append(" = ").Append(a.Kind).Append(' ');
            text.Append(a.Kind switch
            {
                AttributeValueKind.String => System.Text.Encoding.UTF8.GetString(batch.StringOf(a)),
                AttributeValueKind.Int or AttributeValueKind.Bool => a.Int.ToString(System.Globalization.CultureInfo.InvariantCulture),
                AttributeValueKind.Double => BitConverter.DoubleToInt64Bits(a.Double).ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
                _ => "",
            }).Append('\n');
        }
    }
}
