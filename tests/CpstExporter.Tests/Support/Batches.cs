using CpstExporter.Receiving;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.Support;

/// <summary>Decodes requests built with <see cref="Spans"/> into the batches the pipeline works on.</summary>
internal static class Batches
{
    public static SpanBatch Decode(ExportTraceServiceRequest request)
    {
        var batch = new SpanBatch();
        OtlpProtobufReader.Read(request.ToByteArray(), batch);
        return batch;
    }

    public static SpanBatch DecodeJson(string json)
    {
        var batch = new SpanBatch();
        OtlpJsonReader.Read(System.Text.Encoding.UTF8.GetBytes(json), batch);
        return batch;
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
            text.Append("  ").Append(System.Text.Encoding.UTF8.GetString(batch.KeyOf(a))).Append(" = ").Append(a.Kind).Append(' ');
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
