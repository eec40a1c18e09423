using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

// Evaluation events (docs/operations.md, "Evaluation events"): span events named gen_ai.evaluation.result, and the log
// records of an ExportLogsServiceRequest, of which only evaluation events are kept.
internal static partial class OtlpProtobufReader
{
    /// <summary>
    /// Reads an <c>ExportLogsServiceRequest</c>: each log record that is a usable evaluation event becomes an
    /// <see cref="EvaluationRecord"/>, every other one is counted as ignored, by reason. Resources, scopes, bodies and
    /// every other attribute are skipped unread. Throws as <see cref="Read(ReadOnlySpan{byte}, SpanBatch)"/> does.
    /// </summary>
    public static void ReadLogs(ReadOnlySpan<byte> payload, SpanBatch batch)
    {
        batch.StartDecoding(payload.Length);
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (field != ExportLogsServiceRequest.ResourceLogs)
            {
                reader.Skip(wireType);
                continue;
            }
            reader.Expect(wireType, ProtoReader.LengthDelimited, "resource_logs");
            var resourceLogs = new ProtoReader(reader.ReadLengthDelimited());
            while (resourceLogs.TryReadTag(out field, out wireType))
            {
                if (field != ResourceLogs.ScopeLogs)
                {
                    resourceLogs.Skip(wireType);
                    continue;
                }
                resourceLogs.Expect(wireType, ProtoReader.LengthDelimited, "scope_logs");
                var scopeLogs = new ProtoReader(resourceLogs.ReadLengthDelimited());
                while (scopeLogs.TryReadTag(out field, out wireType))
                {
                    if (field != ScopeLogs.LogRecords)
                    {
                        scopeLogs.Skip(wireType);
                        continue;
                    }
                    scopeLogs.Expect(wireType, ProtoReader.LengthDelimited, "log_records");
                    ReadLogRecord(scopeLogs.ReadLengthDelimited(), batch);
                }
            }
        }
    }

    private static void ReadLogRecord(ReadOnlySpan<byte> payload, SpanBatch batch)
    {
        // One pass, keeping slices: the SDKs write event_name (12) after the attributes (6), so whether the record is an
        // evaluation is known only at its end. Only the kept attributes' values are decoded, and only then.
        EvaluationSlices fields = default;
        ReadOnlySpan<byte> traceId = default, eventName = default;
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            switch (field)
            {
                case LogRecord.Attributes:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "log_record.attributes");
                    Capture(reader.ReadLengthDelimited(), ref fields);
                    break;
                case LogRecord.TraceId:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "log_record.trace_id");
                    traceId = reader.ReadLengthDelimited();
                    break;
                case LogRecord.EventName:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "log_record.event_name");
                    eventName = reader.ReadLengthDelimited();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        // The event_name field, when set, is the record's event name; the event.name attribute only stands in for it.
        bool evaluation = eventName.IsEmpty ? IsEvaluationName(fields.EventName) : eventName.SequenceEqual(EvaluationEvent.Name);
        IgnoredLogRecordReason? problem =
            !evaluation ? IgnoredLogRecordReason.NotEvaluation
            : traceId.IsEmpty ? IgnoredLogRecordReason.NoTraceId
            : traceId.Length != 16 ? IgnoredLogRecordReason.InvalidTraceId
            : TraceId.FromBytes(traceId) is { IsEmpty: true } ? IgnoredLogRecordReason.NoTraceId
            : AddEvaluation(batch, TraceId.FromBytes(traceId), in fields);
        if (problem is IgnoredLogRecordReason reason) batch.IgnoreLogRecord(reason);
    }

    /// <summary>
    /// Reads a span event: only its name unless it is an evaluation, whose attributes are then kept as an
    /// <see cref="EvaluationRecord"/> (its trace is the span's, set once the span is read) or counted in
    /// <paramref name="problems"/>. Fields of an unexpected wire type are skipped, as for the parts of a span not read.
    /// </summary>
    private static void ReadSpanEvent(ReadOnlySpan<byte> payload, SpanBatch batch, ref IgnoredEvaluationEvents problems)
    {
        EvaluationSlices fields = default;
        bool evaluation = false;
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (wireType != ProtoReader.LengthDelimited) reader.Skip(wireType);
            else if (field == SpanEvent.Name)
            {
                // The name comes before the attributes as every SDK writes events: any other event ends here.
                if (!reader.ReadLengthDelimited().SequenceEqual(EvaluationEvent.Name)) return;
                evaluation = true;
            }
            else if (field == SpanEvent.Attributes) Capture(reader.ReadLengthDelimited(), ref fields);
            else reader.Skip(wireType);
        }
        if (evaluation && AddEvaluation(batch, default, in fields) is IgnoredLogRecordReason reason) problems.Add(reason);
    }

    /// <summary>Keeps the value of an attribute the evaluation reads, unread (an AnyValue's bytes); others are passed over.</summary>
    private static void Capture(ReadOnlySpan<byte> keyValue, ref EvaluationSlices fields)
    {
        ReadOnlySpan<byte> key = default, value = default;
        var reader = new ProtoReader(keyValue);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (field == KeyValue.Key && wireType == ProtoReader.LengthDelimited) key = reader.ReadLengthDelimited();
            else if (field == KeyValue.Value && wireType == ProtoReader.LengthDelimited) value = reader.ReadLengthDelimited();
            else reader.Skip(wireType);
        }
        switch (EvaluationEvent.Match(key))
        {
            case EvaluationAttribute.EventName: fields.EventName = value; break;
            case EvaluationAttribute.Name: fields.Name = value; break;
            case EvaluationAttribute.Label: fields.Label = value; break;
            case EvaluationAttribute.Score: fields.Score = value; break;
        }
    }

    private static IgnoredLogRecordReason? AddEvaluation(SpanBatch batch, TraceId traceId, in EvaluationSlices fields)
    {
        AttributeRecord name = default, label = default, score = default;
        ReadAnyValue(fields.Name, batch, ref name);
        ReadAnyValue(fields.Label, batch, ref label);
        ReadAnyValue(fields.Score, batch, ref score);
        return batch.AddEvaluation(traceId, in name, in label, in score);
    }

    /// <summary>Whether an AnyValue's bytes are the string <c>gen_ai.evaluation.result</c>.</summary>
    private static bool IsEvaluationName(ReadOnlySpan<byte> anyValue)
    {
        bool matches = false;
        var reader = new ProtoReader(anyValue);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (field == AnyValue.StringValue && wireType == ProtoReader.LengthDelimited) matches = reader.ReadLengthDelimited().SequenceEqual(EvaluationEvent.Name);
            else
            {
                reader.Skip(wireType);
                matches = false;
            }
        }
        return matches;
    }

    /// <summary>The AnyValue bytes of the attributes an evaluation event is read from, as found; empty when absent.</summary>
    private ref struct EvaluationSlices
    {
        public ReadOnlySpan<byte> EventName;
        public ReadOnlySpan<byte> Name;
        public ReadOnlySpan<byte> Label;
        public ReadOnlySpan<byte> Score;
    }
}
