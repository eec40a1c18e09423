namespace CpstExporter.Receiving;

// The field numbers the reader matches tags against, one class per OTLP message, named as in the .proto files
// (opentelemetry-proto, https://github.com/open-telemetry/opentelemetry-proto/tree/main/opentelemetry/proto; the subset
// this service reads is copied under Receiving/Proto/). Field numbers are part of OTLP's wire contract and stable since
// OTLP 1.0. Only the fields the reader reads are named: every other field is skipped unread. A test compares each
// with the generated classes' FieldNumber constants.
internal static partial class OtlpProtobufReader
{
    /// <summary>
    /// <c>opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest</c>
    /// (<see href="https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/collector/trace/v1/trace_service.proto">trace_service.proto</see>).
    /// </summary>
    internal static class ExportTraceServiceRequest
    {
        public const int ResourceSpans = 1;
    }

    /// <summary>
    /// <c>opentelemetry.proto.trace.v1.ResourceSpans</c>
    /// (<see href="https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/trace/v1/trace.proto">trace.proto</see>).
    /// </summary>
    internal static class ResourceSpans
    {
        public const int Resource = 1;
        public const int ScopeSpans = 2;
    }

    /// <summary>
    /// <c>opentelemetry.proto.resource.v1.Resource</c>
    /// (<see href="https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/resource/v1/resource.proto">resource.proto</see>).
    /// </summary>
    internal static class Resource
    {
        public const int Attributes = 1;
    }

    /// <summary>
    /// <c>opentelemetry.proto.trace.v1.ScopeSpans</c>
    /// (<see href="https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/trace/v1/trace.proto">trace.proto</see>).
    /// </summary>
    internal static class ScopeSpans
    {
        public const int Spans = 2;
    }

    /// <summary>
    /// <c>opentelemetry.proto.trace.v1.Span</c>
    /// (<see href="https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/trace/v1/trace.proto">trace.proto</see>).
    /// </summary>
    internal static class Span
    {
        public const int TraceId = 1;
        public const int SpanId = 2;
        public const int ParentSpanId = 4;
        public const int StartTimeUnixNano = 7;
        public const int EndTimeUnixNano = 8;
        public const int Attributes = 9;
        public const int Events = 11;
        public const int Status = 15;
    }

    /// <summary>
    /// <c>opentelemetry.proto.trace.v1.Span.Event</c>
    /// (<see href="https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/trace/v1/trace.proto">trace.proto</see>).
    /// </summary>
    internal static class SpanEvent
    {
        public const int Name = 2;
        public const int Attributes = 3;
    }

    /// <summary>
    /// <c>opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest</c>
    /// (<see href="https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/collector/logs/v1/logs_service.proto">logs_service.proto</see>).
    /// </summary>
    internal static class ExportLogsServiceRequest
    {
        public const int ResourceLogs = 1;
    }

    /// <summary>
    /// <c>opentelemetry.proto.logs.v1.ResourceLogs</c>
    /// (<see href="https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/logs/v1/logs.proto">logs.proto</see>).
    /// </summary>
    internal static class ResourceLogs
    {
        public const int ScopeLogs = 2;
    }

    /// <summary>
    /// <c>opentelemetry.proto.logs.v1.ScopeLogs</c>
    /// (<see href="https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/logs/v1/logs.proto">logs.proto</see>).
    /// </summary>
    internal static class ScopeLogs
    {
        public const int LogRecords = 2;
    }

    /// <summary>
    /// <c>opentelemetry.proto.logs.v1.LogRecord</c>
    /// (<see href="https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/logs/v1/logs.proto">logs.proto</see>).
    /// </summary>
    internal static class LogRecord
    {
        public const int Attributes = 6;
        public const int TraceId = 9;
        public const int EventName = 12;
    }

    /// <summary>
    /// <c>opentelemetry.proto.trace.v1.Status</c>
    /// (<see href="https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/trace/v1/trace.proto">trace.proto</see>).
    /// </summary>
    internal static class Status
    {
        public const int Code = 3;
    }

    /// <summary>
    /// <c>opentelemetry.proto.common.v1.KeyValue</c>
    /// (<see href="https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/common/v1/common.proto">common.proto</see>).
    /// </summary>
    internal static class KeyValue
    {
        public const int Key = 1;
        public const int Value = 2;
    }

    /// <summary>
    /// <c>opentelemetry.proto.common.v1.AnyValue</c>
    /// (<see href="https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/common/v1/common.proto">common.proto</see>):
    /// the scalar values the reader keeps; an array, a key-value list or bytes is recorded as another kind, unread.
    /// </summary>
    internal static class AnyValue
    {
        public const int StringValue = 1;
        public const int BoolValue = 2;
        public const int IntValue = 3;
        public const int DoubleValue = 4;
    }
}
