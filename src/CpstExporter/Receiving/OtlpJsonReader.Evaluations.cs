using System.Text.Json;
using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

// Evaluation events (docs/operations.md, "Evaluation events"): span events named gen_ai.evaluation.result, and the log
// records of an ExportLogsServiceRequest, of which only evaluation events are kept.
internal static partial class OtlpJsonReader
{
    /// <summary>
    /// Reads an OTLP/JSON <c>ExportLogsServiceRequest</c>: each log record that is a usable evaluation event becomes an
    /// <see cref="EvaluationRecord"/>, every other one is counted as ignored, by reason. Throws as
    /// <see cref="Read(ReadOnlySpan{byte}, SpanBatch)"/> does.
    /// </summary>
    public static void ReadLogs(ReadOnlySpan<byte> payload, SpanBatch batch) =>
        ReadRequest(payload, batch, "resourceLogs"u8, "resource_logs"u8, ReadResourceLogs);

    private static void ReadResourceLogs(ref Utf8JsonReader reader, SpanBatch batch)
    {
        ExpectStartObject(ref reader, "resourceLogs element");
        while (NextProperty(ref reader))
        {
            if (Is(ref reader, "scopeLogs"u8, "scope_logs"u8)) ReadArray(ref reader, batch, ReadScopeLogs);
            else SkipValue(ref reader);
        }
    }

    private static void ReadScopeLogs(ref Utf8JsonReader reader, SpanBatch batch)
    {
        ExpectStartObject(ref reader, "scopeLogs element");
        while (NextProperty(ref reader))
        {
            if (Is(ref reader, "logRecords"u8, "log_records"u8)) ReadArray(ref reader, batch, ReadLogRecord);
            else SkipValue(ref reader);
        }
    }

    private static void ReadLogRecord(ref Utf8JsonReader reader, SpanBatch batch)
    {
        ExpectStartObject(ref reader, "log record");
        EvaluationValues values = default;
        bool hasEventName = false, eventNameMatches = false, hasTraceId = false, traceIdValid = false;
        Span<byte> bytes = stackalloc byte[16];
        while (NextProperty(ref reader))
        {
            if (Is(ref reader, "traceId"u8, "trace_id"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null || (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length == 0)) continue;
                hasTraceId = true;
                traceIdValid = TryReadHexId(ref reader, bytes);
            }
            else if (Is(ref reader, "eventName"u8, "event_name"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (reader.TokenType != JsonTokenType.String) throw new OtlpFormatException("eventName must be a string");
                hasEventName = reader.ValueSpan.Length > 0;
                eventNameMatches = reader.ValueTextEquals(EvaluationEvent.Name);
            }
            else if (Is(ref reader, "attributes"u8, "attributes"u8)) ReadEvaluationAttributes(ref reader, batch, ref values);
            else SkipValue(ref reader);
        }

        // The eventName field, when set, is the record's event name; the event.name attribute only stands in for it.
        var traceId = TraceId.FromBytes(bytes);
        IgnoredLogRecordReason? problem =
            !(hasEventName ? eventNameMatches : values.EventNameMatches) ? IgnoredLogRecordReason.NotEvaluation
            : !hasTraceId ? IgnoredLogRecordReason.NoTraceId
            : !traceIdValid ? IgnoredLogRecordReason.InvalidTraceId
            : traceId.IsEmpty ? IgnoredLogRecordReason.NoTraceId
            : batch.AddEvaluation(traceId, in values.Name, in values.Label, in values.Score);
        if (problem is IgnoredLogRecordReason reason) batch.IgnoreLogRecord(reason);
    }

    /// <summary>
    /// Reads a span's events: of each only its name, unless it is an evaluation, whose attributes are then read in a
    /// second pass over the event (its properties may come in any order) and kept as an <see cref="EvaluationRecord"/>
    /// (its trace is the span's, set once the span is read) or counted in <paramref name="problems"/>.
    /// </summary>
    private static void ReadSpanEvents(ref Utf8JsonReader reader, SpanBatch batch, ref IgnoredEvaluationEvents problems)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null) return;
        if (reader.TokenType != JsonTokenType.StartArray) throw new OtlpFormatException("events must be an array");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            ExpectStartObject(ref reader, "span event");
            Utf8JsonReader start = reader;
            bool evaluation = false;
            while (NextProperty(ref reader))
            {
                if (!Is(ref reader, "name"u8, "name"u8))
                {
                    SkipValue(ref reader);
                    continue;
                }
                reader.Read();
                if (reader.TokenType == JsonTokenType.String) evaluation = reader.ValueTextEquals(EvaluationEvent.Name);
                else reader.Skip();
            }
            if (!evaluation) continue;

            EvaluationValues values = default;
            while (NextProperty(ref start))
            {
                if (Is(ref start, "attributes"u8, "attributes"u8)) ReadEvaluationAttributes(ref start, batch, ref values);
                else SkipValue(ref start);
            }
            if (batch.AddEvaluation(default, in values.Name, in values.Label, in values.Score) is IgnoredLogRecordReason reason) problems.Add(reason);
        }
    }

    private static void ReadEvaluationAttributes(ref Utf8JsonReader reader, SpanBatch batch, ref EvaluationValues values)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null) return;
        if (reader.TokenType != JsonTokenType.StartArray) throw new OtlpFormatException("attributes must be an array");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) ReadEvaluationAttribute(ref reader, batch, ref values);
    }

    /// <summary>
    /// Reads one attribute if the evaluation keeps it: its key first (it may follow the value in the object), then, in
    /// a second pass over the same object, its value. Other attributes' values are passed over unread.
    /// </summary>
    private static void ReadEvaluationAttribute(ref Utf8JsonReader reader, SpanBatch batch, ref EvaluationValues values)
    {
        ExpectStartObject(ref reader, "attribute");
        Utf8JsonReader start = reader;
        EvaluationAttribute attribute = EvaluationAttribute.None;
        while (NextProperty(ref reader))
        {
            if (!Is(ref reader, "key"u8, "key"u8))
            {
                SkipValue(ref reader);
                continue;
            }
            reader.Read();
            if (reader.TokenType != JsonTokenType.String) throw new OtlpFormatException("attribute key must be a string");
            attribute = MatchKey(ref reader);
        }
        if (attribute == EvaluationAttribute.None) return;

        while (NextProperty(ref start))
        {
            if (!Is(ref start, "value"u8, "value"u8))
            {
                SkipValue(ref start);
                continue;
            }
            start.Read();
            switch (attribute)
            {
                case EvaluationAttribute.EventName: values.EventNameMatches = IsEvaluationName(ref start); break;
                case EvaluationAttribute.Name: ReadAnyValue(ref start, batch, ref values.Name); break;
                case EvaluationAttribute.Label: ReadAnyValue(ref start, batch, ref values.Label); break;
                default: ReadAnyValue(ref start, batch, ref values.Score); break;
            }
        }
    }

    private static EvaluationAttribute MatchKey(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals(EvaluationEvent.NameKey) ? EvaluationAttribute.Name
        : reader.ValueTextEquals(EvaluationEvent.LabelKey) ? EvaluationAttribute.Label
        : reader.ValueTextEquals(EvaluationEvent.ScoreKey) ? EvaluationAttribute.Score
        : reader.ValueTextEquals(EvaluationEvent.EventNameKey) ? EvaluationAttribute.EventName
        : EvaluationAttribute.None;

    /// <summary>Whether the AnyValue at the reader is the string <c>gen_ai.evaluation.result</c>.</summary>
    private static bool IsEvaluationName(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return false;
        ExpectStartObject(ref reader, "attribute value");
        bool matches = false;
        while (NextProperty(ref reader))
        {
            if (!Is(ref reader, "stringValue"u8, "string_value"u8))
            {
                SkipValue(ref reader);
                continue;
            }
            reader.Read();
            matches = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(EvaluationEvent.Name);
            if (!matches) reader.Skip();
        }
        return matches;
    }

    /// <summary>The values of an evaluation event's attributes as read (strings in the batch's arena); empty when absent.</summary>
    private struct EvaluationValues
    {
        public AttributeRecord Name;
        public AttributeRecord Label;
        public AttributeRecord Score;
        public bool EventNameMatches;
    }
}
