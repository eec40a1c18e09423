using System.Text;
using CpstExporter.Aggregation;

namespace CpstExporter.Exposition;

/// <summary>
/// The pieces of the Prometheus protobuf exposition (<c>io.prometheus.client.MetricFamily</c> messages, each after its
/// length as a varint), written straight into an <see cref="ExpositionBuffer"/> like the text formats: a family's name,
/// help and type and a series' label pairs are encoded once (<see cref="EncodeFamilyHeader"/>,
/// <see cref="EncodeLabels"/>), and a scrape only copies them and writes the numbers. Field numbers are in
/// <see cref="ClientModel"/>.
/// </summary>
internal static class ProtobufExposition
{
    private static readonly byte[] TraceIdName = Encoding.UTF8.GetBytes("trace_id");

    /// <summary>A family's <c>name</c>, <c>help</c> and <c>type</c> fields. The name is the sample name: a counter's ends in <c>_total</c>.</summary>
    public static byte[] EncodeFamilyHeader(string name, string help, MetricType type)
    {
        var o = new ExpositionBuffer(256);
        WriteString(o, ClientModel.MetricFamily.Name, Encoding.UTF8.GetBytes(name));
        WriteString(o, ClientModel.MetricFamily.Help, Encoding.UTF8.GetBytes(help));
        o.WriteVarint(ClientModel.Tag(ClientModel.MetricFamily.Type, ClientModel.Varint));
        o.WriteVarint((ulong)TypeOf(type));
        return o.Written.ToArray();
    }

    /// <summary>The <c>label</c> fields of a <c>Metric</c>: one <c>LabelPair</c> per name, values as they are (no escaping in this format).</summary>
    public static byte[] EncodeLabels(string[] names, string[] values)
    {
        var o = new ExpositionBuffer(128);
        for (int i = 0; i < names.Length; i++) WriteLabel(o, ClientModel.Metric.Label, Encoding.UTF8.GetBytes(names[i]), Encoding.UTF8.GetBytes(values[i]));
        return o.Written.ToArray();
    }

    public static byte[] EncodeLabel(string name, string value) => EncodeLabels([name], [value]);

    /// <summary>Opens a <c>MetricFamily</c> and writes its header; returns where its body starts, for <see cref="EndFamily"/>.</summary>
    public static int BeginFamily(ExpositionBuffer o, byte[] header)
    {
        int body = o.BeginLengthPrefixed();
        o.Write(header);
        return body;
    }

    /// <summary>Closes a family; one that got no metric is taken out again, as text writes no samples for it.</summary>
    public static void EndFamily(ExpositionBuffer o, int body, int headerLength)
    {
        if (o.Length == body + headerLength) o.Truncate(body - 1);
        else o.EndLengthPrefixed(body);
    }

    /// <summary>One counter or gauge <c>Metric</c>: its labels (and one more, <paramref name="extra"/>), its value and a counter's exemplar.</summary>
    public static void Sample(ExpositionBuffer o, bool counter, byte[]? labels, ReadOnlySpan<byte> extra, double value, in Exemplar exemplar = default)
    {
        o.WriteVarint(ClientModel.Tag(ClientModel.MetricFamily.Metric, ClientModel.LengthDelimited));
        int metric = o.BeginLengthPrefixed();
        if (labels is not null) o.Write(labels);
        o.Write(extra);
        o.WriteVarint(ClientModel.Tag(counter ? ClientModel.Metric.Counter : ClientModel.Metric.Gauge, ClientModel.LengthDelimited));
        int inner = o.BeginLengthPrefixed();
        o.WriteVarint(ClientModel.Tag(ClientModel.Counter.Value, ClientModel.Fixed64)); // Gauge.value has the same number
        o.WriteFixed64(value);
        if (counter && !exemplar.IsEmpty) WriteExemplar(o, ClientModel.Counter.Exemplar, exemplar);
        o.EndLengthPrefixed(inner);
        o.EndLengthPrefixed(metric);
    }

    /// <summary>
    /// One histogram <c>Metric</c>, native and classic in one message, as Prometheus's clients write it: the classic
    /// buckets as cumulative counts by upper bound (the <c>+Inf</c> bucket is the sample count, which the format leaves
    /// implicit) with each bucket's exemplar; the native buckets of <see cref="CostHistogramSeries.NativeSchema"/> as
    /// spans of buckets that have observations, each count a delta from the one before; and the exemplars again in the
    /// native histogram's own list.
    /// </summary>
    /// <param name="native">Native bucket counts from index <see cref="CostHistogramSeries.NativeMinIndex"/>.</param>
    public static void Histogram(ExpositionBuffer o, byte[] labels, ReadOnlySpan<long> counts, ReadOnlySpan<double> bounds,
        ReadOnlySpan<Exemplar> exemplars, ReadOnlySpan<long> native, long zeroCount, decimal sum, long count)
    {
        o.WriteVarint(ClientModel.Tag(ClientModel.MetricFamily.Metric, ClientModel.LengthDelimited));
        int metric = o.BeginLengthPrefixed();
        o.Write(labels);
        o.WriteVarint(ClientModel.Tag(ClientModel.Metric.Histogram, ClientModel.LengthDelimited));
        int histogram = o.BeginLengthPrefixed();
        o.WriteVarint(ClientModel.Tag(ClientModel.Histogram.SampleCount, ClientModel.Varint));
        o.WriteVarint((ulong)count);
        o.WriteVarint(ClientModel.Tag(ClientModel.Histogram.SampleSum, ClientModel.Fixed64));
        o.WriteFixed64((double)sum);
        long cumulative = 0;
        for (int b = 0; b < bounds.Length; b++)
        {
            cumulative = Primitives.Saturating.Add(cumulative, counts[b]);
            o.WriteVarint(ClientModel.Tag(ClientModel.Histogram.Bucket, ClientModel.LengthDelimited));
            int bucket = o.BeginLengthPrefixed();
            o.WriteVarint(ClientModel.Tag(ClientModel.Bucket.CumulativeCount, ClientModel.Varint));
            o.WriteVarint((ulong)cumulative);
            o.WriteVarint(ClientModel.Tag(ClientModel.Bucket.UpperBound, ClientModel.Fixed64));
            o.WriteFixed64(bounds[b]);
            if (!exemplars[b].IsEmpty) WriteExemplar(o, ClientModel.Bucket.Exemplar, exemplars[b]);
            o.EndLengthPrefixed(bucket);
        }
        WriteNative(o, native, zeroCount);
        foreach (Exemplar exemplar in exemplars)
            if (!exemplar.IsEmpty) WriteExemplar(o, ClientModel.Histogram.Exemplars, exemplar);
        o.EndLengthPrefixed(histogram);
        o.EndLengthPrefixed(metric);
    }

    private static void WriteNative(ExpositionBuffer o, ReadOnlySpan<long> native, long zeroCount)
    {
        o.WriteVarint(ClientModel.Tag(ClientModel.Histogram.Schema, ClientModel.Varint));
        o.WriteVarint(ZigZag(CostHistogramSeries.NativeSchema));
        o.WriteVarint(ClientModel.Tag(ClientModel.Histogram.ZeroThreshold, ClientModel.Fixed64));
        o.WriteFixed64(CostHistogramSeries.NativeZeroThreshold);
        o.WriteVarint(ClientModel.Tag(ClientModel.Histogram.ZeroCount, ClientModel.Varint));
        o.WriteVarint((ulong)zeroCount);

        // A span per run of buckets with observations: the first offset is the run's index, the others the empty
        // buckets since the run before.
        int end = -1; // one past the last bucket of the previous span, as an offset into native
        for (int b = 0; b < native.Length; b++)
        {
            if (native[b] == 0 || (b > 0 && native[b - 1] != 0)) continue;
            int length = 1;
            while (b + length < native.Length && native[b + length] != 0) length++;
            o.WriteVarint(ClientModel.Tag(ClientModel.Histogram.PositiveSpan, ClientModel.LengthDelimited));
            int span = o.BeginLengthPrefixed();
            o.WriteVarint(ClientModel.Tag(ClientModel.BucketSpan.Offset, ClientModel.Varint));
            o.WriteVarint(ZigZag(end < 0 ? b + CostHistogramSeries.NativeMinIndex : b - end));
            o.WriteVarint(ClientModel.Tag(ClientModel.BucketSpan.Length, ClientModel.Varint));
            o.WriteVarint((ulong)length);
            o.EndLengthPrefixed(span);
            end = b + length;
        }
        if (end < 0) return;

        // Packed: every bucket of the spans in order, each as the change from the bucket before (the first from 0).
        o.WriteVarint(ClientModel.Tag(ClientModel.Histogram.PositiveDelta, ClientModel.LengthDelimited));
        int deltas = o.BeginLengthPrefixed();
        long previous = 0;
        foreach (long bucketCount in native)
        {
            if (bucketCount == 0) continue;
            o.WriteVarint(ZigZag(bucketCount - previous));
            previous = bucketCount;
        }
        o.EndLengthPrefixed(deltas);
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    /// <summary>An <c>Exemplar</c>: the <c>trace_id</c> label, the observed value, and when it was observed.</summary>
    public static void WriteExemplar(ExpositionBuffer o, int field, in Exemplar exemplar)
    {
        o.WriteVarint(ClientModel.Tag(field, ClientModel.LengthDelimited));
        int body = o.BeginLengthPrefixed();
        Span<byte> hex = stackalloc byte[32];
        exemplar.TraceId.TryFormat(hex, out _);
        WriteLabel(o, ClientModel.Exemplar.Label, TraceIdName, hex);
        o.WriteVarint(ClientModel.Tag(ClientModel.Exemplar.Value, ClientModel.Fixed64));
        o.WriteFixed64((double)exemplar.Value);
        o.WriteVarint(ClientModel.Tag(ClientModel.Exemplar.Timestamp, ClientModel.LengthDelimited));
        int timestamp = o.BeginLengthPrefixed();
        long seconds = Math.DivRem(exemplar.TimestampMs, 1000, out long millis);
        o.WriteVarint(ClientModel.Tag(ClientModel.Timestamp.Seconds, ClientModel.Varint));
        o.WriteVarint((ulong)seconds);
        if (millis != 0)
        {
            o.WriteVarint(ClientModel.Tag(ClientModel.Timestamp.Nanos, ClientModel.Varint));
            o.WriteVarint((ulong)(millis * 1_000_000));
        }
        o.EndLengthPrefixed(timestamp);
        o.EndLengthPrefixed(body);
    }

    private static void WriteLabel(ExpositionBuffer o, int field, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        o.WriteVarint(ClientModel.Tag(field, ClientModel.LengthDelimited));
        int pair = o.BeginLengthPrefixed();
        WriteString(o, ClientModel.LabelPair.Name, name);
        WriteString(o, ClientModel.LabelPair.Value, value);
        o.EndLengthPrefixed(pair);
    }

    private static void WriteString(ExpositionBuffer o, int field, ReadOnlySpan<byte> utf8)
    {
        o.WriteVarint(ClientModel.Tag(field, ClientModel.LengthDelimited));
        o.WriteVarint((ulong)utf8.Length);
        o.Write(utf8);
    }

    private static int TypeOf(MetricType type) => type switch
    {
        MetricType.Counter => ClientModel.MetricType.Counter,
        MetricType.Gauge => ClientModel.MetricType.Gauge,
        _ => ClientModel.MetricType.Histogram,
    };
}
