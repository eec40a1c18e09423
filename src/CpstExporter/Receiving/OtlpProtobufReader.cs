using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

/// <summary>
/// Reads an <c>ExportTraceServiceRequest</c> in protobuf wire format straight into a <see cref="SpanBatch"/>,
/// reading only the fields the pipeline uses and skipping the rest (links, scope) without descending into them; of a
/// span event only its name is read, and the rest only for an evaluation event. An <c>ExportLogsServiceRequest</c> is
/// read for its evaluation events alone (<see cref="ReadLogs"/>). The generated classes read the same bytes in tests, as
/// the reference this reader must agree with.
/// </summary>
internal static partial class OtlpProtobufReader
{
    /// <summary>
    /// Decodes <paramref name="payload"/> into <paramref name="batch"/>; throws <see cref="OtlpFormatException"/> if
    /// malformed, <see cref="RequestTooLargeException"/> if its records would overdraw the batch's decode budget.
    /// </summary>
    public static void Read(ReadOnlySpan<byte> payload, SpanBatch batch, ExportSignal signal)
    {
        if (signal == ExportSignal.Logs) ReadLogs(payload, batch);
        else Read(payload, batch);
    }

    /// <inheritdoc cref="Read(ReadOnlySpan{byte}, SpanBatch, ExportSignal)"/>
    public static void Read(ReadOnlySpan<byte> payload, SpanBatch batch)
    {
        batch.StartDecoding(payload.Length);
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (field == ExportTraceServiceRequest.ResourceSpans)
            {
                reader.Expect(wireType, ProtoReader.LengthDelimited, "resource_spans");
                ReadResourceSpans(reader.ReadLengthDelimited(), batch);
            }
            else reader.Skip(wireType);
        }
    }

    private static void ReadResourceSpans(ReadOnlySpan<byte> payload, SpanBatch batch)
    {
        int resourceIndex = batch.AddResource();
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            switch (field)
            {
                case ResourceSpans.Resource:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "resource");
                    ReadResource(reader.ReadLengthDelimited(), batch, resourceIndex);
                    break;
                case ResourceSpans.ScopeSpans:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "scope_spans");
                    ReadScopeSpans(reader.ReadLengthDelimited(), batch, resourceIndex);
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
    }

    private static void ReadResource(ReadOnlySpan<byte> payload, SpanBatch batch, int resourceIndex)
    {
        batch.ResourceAt(resourceIndex).AttributeStart = batch.AttributeCount;
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (field == Resource.Attributes)
            {
                reader.Expect(wireType, ProtoReader.LengthDelimited, "resource.attributes");
                ReadKeyValue(reader.ReadLengthDelimited(), batch, batch.ResourceKeys);
            }
            else reader.Skip(wireType);
        }
        batch.CloseResourceAttributes(resourceIndex);
    }

    private static void ReadScopeSpans(ReadOnlySpan<byte> payload, SpanBatch batch, int resourceIndex)
    {
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (field == ScopeSpans.Spans)
            {
                reader.Expect(wireType, ProtoReader.LengthDelimited, "span");
                ReadSpan(reader.ReadLengthDelimited(), batch, resourceIndex);
            }
            else reader.Skip(wireType);
        }
    }

    private static void ReadSpan(ReadOnlySpan<byte> payload, SpanBatch batch, int resourceIndex)
    {
        ref SpanRecord span = ref batch.AddSpan(resourceIndex);
        int traceIdLength = 0, spanIdLength = 0, parentLength = 0;
        int evaluationStart = batch.EvaluationCount;
        IgnoredEvaluationEvents problems = default;
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            switch (field)
            {
                case Span.TraceId:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "span.trace_id");
                    ReadOnlySpan<byte> traceId = reader.ReadLengthDelimited();
                    traceIdLength = traceId.Length;
                    if (traceIdLength == 16) span.TraceId = TraceId.FromBytes(traceId);
                    break;
                case Span.SpanId:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "span.span_id");
                    ReadOnlySpan<byte> spanId = reader.ReadLengthDelimited();
                    spanIdLength = spanId.Length;
                    if (spanIdLength == 8) span.SpanId = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(spanId);
                    break;
                case Span.ParentSpanId:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "span.parent_span_id");
                    ReadOnlySpan<byte> parent = reader.ReadLengthDelimited();
                    parentLength = parent.Length;
                    if (parentLength == 8) span.ParentSpanId = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(parent);
                    break;
                case Span.StartTimeUnixNano:
                    reader.Expect(wireType, ProtoReader.Fixed64, "span.start_time_unix_nano");
                    span.StartTimeUnixNano = reader.ReadFixed64();
                    break;
                case Span.EndTimeUnixNano:
                    reader.Expect(wireType, ProtoReader.Fixed64, "span.end_time_unix_nano");
                    span.EndTimeUnixNano = reader.ReadFixed64();
                    break;
                case Span.Attributes:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "span.attributes");
                    ReadKeyValue(reader.ReadLengthDelimited(), batch, batch.SpanKeys);
                    break;
                case Span.Status:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "span.status");
                    span.StatusCode = ReadStatusCode(reader.ReadLengthDelimited());
                    break;
                case Span.Events when wireType == ProtoReader.LengthDelimited:
                    ReadSpanEvent(reader.ReadLengthDelimited(), batch, ref problems);
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        batch.CloseSpanAttributes(ref span);

        if (traceIdLength != 16 || span.TraceId.IsEmpty)
            batch.RemoveLastSpan(RejectionReason.InvalidTraceId, $"span with a trace_id of {traceIdLength} bytes: a trace id is 16 bytes, not all zero");
        else if (spanIdLength != 8 || span.SpanId == 0 || (parentLength != 0 && parentLength != 8))
            batch.RemoveLastSpan(RejectionReason.InvalidSpanId, "span with an invalid span_id or parent_span_id: span ids are 8 bytes, not all zero");
        else
        {
            if (batch.EvaluationCount != evaluationStart) batch.SetEvaluationTrace(evaluationStart, span.TraceId);
            problems.Report(batch);
            return;
        }
        batch.RemoveEvaluationsFrom(evaluationStart);
    }

    private static int ReadStatusCode(ReadOnlySpan<byte> payload)
    {
        int code = 0;
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (field == Status.Code && wireType == ProtoReader.Varint) code = (int)reader.ReadVarint();
            else reader.Skip(wireType);
        }
        return code;
    }

    /// <summary>Reads one attribute: with <paramref name="keys"/>, one whose key they name is kept by its code (the key
    /// is not copied), any other skipped, its value unread; without, every attribute with its key.</summary>
    private static void ReadKeyValue(ReadOnlySpan<byte> payload, SpanBatch batch, AttributeKeySet? keys)
    {
        ReadOnlySpan<byte> key = default, value = default;
        bool hasValue = false;
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            switch (field)
            {
                case KeyValue.Key:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "attribute key");
                    key = reader.ReadLengthDelimited();
                    break;
                case KeyValue.Value:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "attribute value");
                    value = reader.ReadLengthDelimited();
                    hasValue = true;
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        int code = -1;
        if (keys is not null && !keys.TryMatch(key, out code)) return;
        ref AttributeRecord attribute = ref keys is null ? ref batch.AddAttribute(key) : ref batch.AddCodedAttribute(code);
        if (hasValue) ReadAnyValue(value, batch, ref attribute);
    }

    private static void ReadAnyValue(ReadOnlySpan<byte> payload, SpanBatch batch, ref AttributeRecord attribute)
    {
        var reader = new ProtoReader(payload);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            switch (field)
            {
                case AnyValue.StringValue:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "string_value");
                    batch.SetString(ref attribute, reader.ReadLengthDelimited());
                    break;
                case AnyValue.BoolValue:
                    reader.Expect(wireType, ProtoReader.Varint, "bool_value");
                    attribute.Kind = AttributeValueKind.Bool;
                    attribute.Int = reader.ReadVarint() != 0 ? 1 : 0;
                    break;
                case AnyValue.IntValue:
                    reader.Expect(wireType, ProtoReader.Varint, "int_value");
                    attribute.Kind = AttributeValueKind.Int;
                    attribute.Int = (long)reader.ReadVarint();
                    break;
                case AnyValue.DoubleValue:
                    reader.Expect(wireType, ProtoReader.Fixed64, "double_value");
                    attribute.Kind = AttributeValueKind.Double;
                    attribute.Double = BitConverter.UInt64BitsToDouble(reader.ReadFixed64());
                    break;
                default:
                    reader.Skip(wireType);
                    attribute.Kind = AttributeValueKind.Other;
                    break;
            }
        }
    }
}
