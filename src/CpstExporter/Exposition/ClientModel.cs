namespace CpstExporter.Exposition;

/// <summary>
/// The field numbers and enum values of Prometheus's client data model, <c>io/prometheus/client/metrics.proto</c> in
/// github.com/prometheus/client_model, that the protobuf exposition writes (<see cref="ProtobufExposition"/>). The
/// numbers are the wire contract: they are copied here, not generated, so the exporter carries no protobuf runtime for
/// it (docs/design.md, "Protobuf exposition").
/// </summary>
internal static class ClientModel
{
    /// <summary>Wire types of the protobuf encoding.</summary>
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2;

    /// <summary>The tag of a field: its number and wire type in one varint.</summary>
    public static ulong Tag(int field, int wireType) => (ulong)((field << 3) | wireType);

    public static class MetricFamily
    {
        public const int Name = 1, Help = 2, Type = 3, Metric = 4;
    }

    /// <summary>The values of <c>MetricType</c>.</summary>
    public static class MetricType
    {
        public const int Counter = 0, Gauge = 1, Histogram = 4;
    }

    public static class Metric
    {
        public const int Label = 1, Gauge = 2, Counter = 3, Histogram = 7;
    }

    public static class LabelPair
    {
        public const int Name = 1, Value = 2;
    }

    public static class Gauge
    {
        public const int Value = 1;
    }

    public static class Counter
    {
        public const int Value = 1, Exemplar = 2;
    }

    public static class Histogram
    {
        public const int SampleCount = 1, SampleSum = 2, Bucket = 3, Schema = 5, ZeroThreshold = 6, ZeroCount = 7,
            PositiveSpan = 12, PositiveDelta = 13, Exemplars = 16;
    }

    public static class Bucket
    {
        public const int CumulativeCount = 1, UpperBound = 2, Exemplar = 3;
    }

    public static class BucketSpan
    {
        public const int Offset = 1, Length = 2;
    }

    public static class Exemplar
    {
        public const int Label = 1, Value = 2, Timestamp = 3;
    }

    /// <summary><c>google.protobuf.Timestamp</c>.</summary>
    public static class Timestamp
    {
        public const int Seconds = 1, Nanos = 2;
    }
}
