using System.Text;
using System.Text.Json;
using CpstExporter.Receiving.Otlp;

namespace CpstExporter.Tests.Support;

/// <summary>
/// OTLP/JSON as the specification writes it (hex ids, int64 as strings), from a request built with <see cref="Spans"/>
/// or <see cref="Evaluations"/>.
/// </summary>
internal static class OtlpJson
{
    public static string From(ExportTraceServiceRequest request)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartArray("resourceSpans");
            foreach (ResourceSpans resourceSpans in request.ResourceSpans)
            {
                json.WriteStartObject();
                json.WriteStartObject("resource");
                Attributes(json, resourceSpans.Resource?.Attributes ?? []);
                json.WriteEndObject();
                json.WriteStartArray("scopeSpans");
                foreach (ScopeSpans scope in resourceSpans.ScopeSpans)
                {
                    json.WriteStartObject();
                    if (scope.Scope is { } instrumentation)
                    {
                        json.WriteStartObject("scope");
                        json.WriteString("name", instrumentation.Name);
                        if (instrumentation.Version.Length > 0) json.WriteString("version", instrumentation.Version);
                        json.WriteEndObject();
                    }
                    json.WriteStartArray("spans");
                    foreach (Span span in scope.Spans)
                    {
                        json.WriteStartObject();
                        json.WriteString("traceId", Convert.ToHexStringLower(span.TraceId.Span));
                        json.WriteString("spanId", Convert.ToHexStringLower(span.SpanId.Span));
                        if (!span.ParentSpanId.IsEmpty) json.WriteString("parentSpanId", Convert.ToHexStringLower(span.ParentSpanId.Span));
                        json.WriteString("name", span.Name);
                        if (span.Kind != Span.Types.SpanKind.Unspecified) json.WriteNumber("kind", (int)span.Kind);
                        json.WriteString("startTimeUnixNano", span.StartTimeUnixNano.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        json.WriteString("endTimeUnixNano", span.EndTimeUnixNano.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        Attributes(json, span.Attributes);
                        if (span.Events.Count > 0)
                        {
                            json.WriteStartArray("events");
                            foreach (Span.Types.Event e in span.Events)
                            {
                                json.WriteStartObject();
                                json.WriteString("timeUnixNano", e.TimeUnixNano.ToString(System.Globalization.CultureInfo.InvariantCulture));
                                json.WriteString("name", e.Name);
                                Attributes(json, e.Attributes);
                                json.WriteEndObject();
                            }
                            json.WriteEndArray();
                        }
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static string From(ExportLogsServiceRequest request)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartArray("resourceLogs");
            foreach (ResourceLogs resourceLogs in request.ResourceLogs)
            {
                json.WriteStartObject();
                json.WriteStartObject("resource");
                Attributes(json, resourceLogs.Resource?.Attributes ?? []);
                json.WriteEndObject();
                json.WriteStartArray("scopeLogs");
                foreach (ScopeLogs scope in resourceLogs.ScopeLogs)
                {
                    json.WriteStartObject();
                    json.WriteStartArray("logRecords");
                    foreach (LogRecord record in scope.LogRecords)
                    {
                        json.WriteStartObject();
                        json.WriteString("timeUnixNano", record.TimeUnixNano.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        json.WriteNumber("severityNumber", record.SeverityNumber);
                        if (record.Body is { StringValue: { Length: > 0 } body })
                        {
                            json.WriteStartObject("body");
                            json.WriteString("stringValue", body);
                            json.WriteEndObject();
                        }
                        Attributes(json, record.Attributes);
                        if (!record.TraceId.IsEmpty) json.WriteString("traceId", Convert.ToHexStringLower(record.TraceId.Span));
                        if (record.EventName.Length > 0) json.WriteString("eventName", record.EventName);
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Attributes(Utf8JsonWriter json, IEnumerable<KeyValue> attributes)
    {
        json.WriteStartArray("attributes");
        foreach (KeyValue kv in attributes)
        {
            json.WriteStartObject();
            json.WriteString("key", kv.Key);
            json.WriteStartObject("value");
            switch (kv.Value.ValueCase)
            {
                case AnyValue.ValueOneofCase.StringValue: json.WriteString("stringValue", kv.Value.StringValue); break;
                case AnyValue.ValueOneofCase.IntValue: json.WriteString("intValue", kv.Value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
                case AnyValue.ValueOneofCase.DoubleValue when double.IsFinite(kv.Value.DoubleValue): json.WriteNumber("doubleValue", kv.Value.DoubleValue); break;
                // The protobuf JSON mapping spells the non-finite doubles as strings.
                case AnyValue.ValueOneofCase.DoubleValue:
                    json.WriteString("doubleValue", double.IsNaN(kv.Value.DoubleValue) ? "NaN" : kv.Value.DoubleValue > 0 ? "Infinity" : "-Infinity");
                    break;
                case AnyValue.ValueOneofCase.BoolValue: json.WriteBoolean("boolValue", kv.Value.BoolValue); break;
                default: throw new NotSupportedException(kv.Value.ValueCase.ToString());
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
