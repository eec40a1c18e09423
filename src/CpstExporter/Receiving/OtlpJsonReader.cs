using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text.Json;
using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

/// <summary>
/// Reads an OTLP/JSON <c>ExportTraceServiceRequest</c> into a <see cref="SpanBatch"/>, following the OTLP JSON
/// mapping: lowerCamelCase keys (snake_case accepted too, as protobuf JSON parsers do), trace and span ids as hex,
/// 64-bit integers as strings or numbers, enums as numbers (names accepted), unknown fields ignored. Of a span event only
/// its name is read, and the rest only for an evaluation event; an <c>ExportLogsServiceRequest</c> is read for its
/// evaluation events alone (<see cref="ReadLogs"/>).
/// </summary>
internal static partial class OtlpJsonReader
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>
    /// Decodes <paramref name="payload"/>; throws <see cref="OtlpFormatException"/> if it is not a valid request,
    /// <see cref="RequestTooLargeException"/> if its records would overdraw the batch's decode budget.
    /// </summary>
    public static void Read(ReadOnlySpan<byte> payload, SpanBatch batch, ExportSignal signal)
    {
        if (signal == ExportSignal.Logs) ReadLogs(payload, batch);
        else Read(payload, batch);
    }

    /// <inheritdoc cref="Read(ReadOnlySpan{byte}, SpanBatch, ExportSignal)"/>
    public static void Read(ReadOnlySpan<byte> payload, SpanBatch batch) =>
        ReadRequest(payload, batch, "resourceSpans"u8, "resource_spans"u8, ReadResourceSpans);

    /// <summary>Reads a request object, each element of its one array that matters with <paramref name="element"/>.</summary>
    private static void ReadRequest(ReadOnlySpan<byte> payload, SpanBatch batch, ReadOnlySpan<byte> camel, ReadOnlySpan<byte> snake, ElementReader element)
    {
        if (payload.Trim(" \t\r\n"u8).IsEmpty) return; // an empty body is an empty request
        batch.StartDecoding(payload.Length);
        var reader = new Utf8JsonReader(payload, Options);
        try
        {
            reader.Read();
            ExpectStartObject(ref reader, "request");
            while (NextProperty(ref reader))
            {
                if (Is(ref reader, camel, snake)) ReadArray(ref reader, batch, element);
                else SkipValue(ref reader);
            }
            if (reader.Read()) throw new OtlpFormatException("unexpected data after the request object");
        }
        catch (JsonException e)
        {
            throw new OtlpFormatException($"invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}");
        }
    }

    private delegate void ElementReader(ref Utf8JsonReader reader, SpanBatch batch);

    private static void ReadArray(ref Utf8JsonReader reader, SpanBatch batch, ElementReader element)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null) return;
        if (reader.TokenType != JsonTokenType.StartArray) throw new OtlpFormatException($"expected an array, found {reader.TokenType}");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) element(ref reader, batch);
    }

    private static void ReadResourceSpans(ref Utf8JsonReader reader, SpanBatch batch)
    {
        ExpectStartObject(ref reader, "resourceSpans element");
        int resourceIndex = batch.AddResource();
        while (NextProperty(ref reader))
        {
            if (Is(ref reader, "resource"u8, "resource"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                ExpectStartObject(ref reader, "resource");
                batch.ResourceAt(resourceIndex).AttributeStart = batch.AttributeCount;
                while (NextProperty(ref reader))
                {
                    if (Is(ref reader, "attributes"u8, "attributes"u8)) ReadArray(ref reader, batch, ReadResourceAttribute);
                    else SkipValue(ref reader);
                }
                batch.CloseResourceAttributes(resourceIndex);
            }
            else if (Is(ref reader, "scopeSpans"u8, "scope_spans"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (reader.TokenType != JsonTokenType.StartArray) throw new OtlpFormatException("scopeSpans must be an array");
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    ExpectStartObject(ref reader, "scopeSpans element");
                    while (NextProperty(ref reader))
                    {
                        if (Is(ref reader, "spans"u8, "spans"u8))
                        {
                            reader.Read();
                            if (reader.TokenType == JsonTokenType.Null) continue;
                            if (reader.TokenType != JsonTokenType.StartArray) throw new OtlpFormatException("spans must be an array");
                            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) ReadSpan(ref reader, batch, resourceIndex);
                        }
                        else SkipValue(ref reader);
                    }
                }
            }
            else SkipValue(ref reader);
        }
    }

    private static void ReadSpan(ref Utf8JsonReader reader, SpanBatch batch, int resourceIndex)
    {
        ExpectStartObject(ref reader, "span");
        ref SpanRecord span = ref batch.AddSpan(resourceIndex);
        bool traceIdValid = false, spanIdValid = false, parentValid = true;
        int evaluationStart = batch.EvaluationCount;
        IgnoredEvaluationEvents problems = default;
        Span<byte> bytes = stackalloc byte[16];
        while (NextProperty(ref reader))
        {
            if (Is(ref reader, "traceId"u8, "trace_id"u8))
            {
                reader.Read();
                traceIdValid = TryReadHexId(ref reader, bytes);
                if (traceIdValid) span.TraceId = TraceId.FromBytes(bytes);
            }
            else if (Is(ref reader, "spanId"u8, "span_id"u8))
            {
                reader.Read();
                spanIdValid = TryReadHexId(ref reader, bytes[..8]);
                if (spanIdValid) span.SpanId = BinaryPrimitives.ReadUInt64BigEndian(bytes);
            }
            else if (Is(ref reader, "parentSpanId"u8, "parent_span_id"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null || (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length == 0)) continue;
                parentValid = TryReadHexId(ref reader, bytes[..8]);
                if (parentValid) span.ParentSpanId = BinaryPrimitives.ReadUInt64BigEndian(bytes);
            }
            else if (Is(ref reader, "startTimeUnixNano"u8, "start_time_unix_nano"u8))
            {
                reader.Read();
                span.StartTimeUnixNano = ReadUInt64(ref reader, "startTimeUnixNano");
            }
            else if (Is(ref reader, "endTimeUnixNano"u8, "end_time_unix_nano"u8))
            {
                reader.Read();
                span.EndTimeUnixNano = ReadUInt64(ref reader, "endTimeUnixNano");
            }
            else if (Is(ref reader, "attributes"u8, "attributes"u8)) ReadArray(ref reader, batch, ReadSpanAttribute);
            else if (Is(ref reader, "status"u8, "status"u8)) span.StatusCode = ReadStatusCode(ref reader);
            else if (Is(ref reader, "events"u8, "events"u8)) ReadSpanEvents(ref reader, batch, ref problems);
            else SkipValue(ref reader);
        }
        batch.CloseSpanAttributes(ref span);

        if (!traceIdValid || span.TraceId.IsEmpty)
            batch.RemoveLastSpan(RejectionReason.InvalidTraceId, "span with a missing or invalid traceId: a trace id is 32 hex digits, not all zero");
        else if (!spanIdValid || span.SpanId == 0 || !parentValid)
            batch.RemoveLastSpan(RejectionReason.InvalidSpanId, "span with a missing or invalid spanId or parentSpanId: span ids are 16 hex digits, not all zero");
        else
        {
            if (batch.EvaluationCount != evaluationStart) batch.SetEvaluationTrace(evaluationStart, span.TraceId);
            problems.Report(batch);
            return;
        }
        batch.RemoveEvaluationsFrom(evaluationStart);
    }

    private static int ReadStatusCode(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null) return 0;
        ExpectStartObject(ref reader, "status");
        int code = 0;
        while (NextProperty(ref reader))
        {
            if (!Is(ref reader, "code"u8, "code"u8))
            {
                SkipValue(ref reader);
                continue;
            }
            reader.Read();
            if (reader.TokenType == JsonTokenType.Number)
            {
                if (!reader.TryGetInt32(out code)) throw new OtlpFormatException("status.code must be an integer status code");
            }
            else if (reader.TokenType == JsonTokenType.String)
                code = reader.ValueTextEquals("STATUS_CODE_ERROR"u8) ? 2 : reader.ValueTextEquals("STATUS_CODE_OK"u8) ? 1 : 0;
            else if (reader.TokenType != JsonTokenType.Null) throw new OtlpFormatException("status.code must be a number");
        }
        return code;
    }

    private static void ReadResourceAttribute(ref Utf8JsonReader reader, SpanBatch batch) => ReadKeyValue(ref reader, batch, batch.ResourceKeys);

    private static void ReadSpanAttribute(ref Utf8JsonReader reader, SpanBatch batch) => ReadKeyValue(ref reader, batch, batch.SpanKeys);

    /// <summary>Reads one attribute; one whose key <paramref name="keys"/> does not name is taken back once read.</summary>
    private static void ReadKeyValue(ref Utf8JsonReader reader, SpanBatch batch, AttributeKeySet? keys)
    {
        ExpectStartObject(ref reader, "attribute");
        // The key may follow the value in the object, so the attribute is added when the key is seen and the
        // value, if read first, is parked in locals.
        int attributeIndex = -1;
        AttributeRecord pending = default;
        bool hasPendingValue = false;
        while (NextProperty(ref reader))
        {
            if (Is(ref reader, "key"u8, "key"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) throw new OtlpFormatException("attribute key must be a string");
                Span<byte> key = batch.Reserve(reader.ValueSpan.Length, out int keyOffset);
                int keyLength = CopyString(ref reader, key);
                batch.Commit(keyLength);
                ref AttributeRecord attribute = ref batch.AddAttribute(keyOffset, keyLength);
                attributeIndex = batch.AttributeCount - 1;
                if (hasPendingValue) CopyValue(in pending, ref attribute);
            }
            else if (Is(ref reader, "value"u8, "value"u8))
            {
                reader.Read();
                ReadAnyValue(ref reader, batch, ref pending);
                hasPendingValue = true;
                if (attributeIndex >= 0) CopyValue(in pending, ref batch.AttributeAt(attributeIndex));
            }
            else SkipValue(ref reader);
        }
        if (attributeIndex < 0) batch.AddAttribute(ReadOnlySpan<byte>.Empty);
        if (keys is null) return;
        ref AttributeRecord added = ref batch.AttributeAt(batch.AttributeCount - 1);
        if (keys.TryMatch(batch.KeyOf(added), out int code)) added.Code = code;
        else batch.RemoveLastAttribute();
    }

    private static void CopyValue(in AttributeRecord from, ref AttributeRecord to)
    {
        to.Kind = from.Kind;
        to.Int = from.Int;
        to.Double = from.Double;
        to.ValueOffset = from.ValueOffset;
        to.ValueLength = from.ValueLength;
    }

    private static void ReadAnyValue(ref Utf8JsonReader reader, SpanBatch batch, ref AttributeRecord value)
    {
        if (reader.TokenType == JsonTokenType.Null) return;
        ExpectStartObject(ref reader, "attribute value");
        while (NextProperty(ref reader))
        {
            if (Is(ref reader, "stringValue"u8, "string_value"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) throw new OtlpFormatException("stringValue must be a string");
                Span<byte> target = batch.Reserve(reader.ValueSpan.Length, out int offset);
                int length = CopyString(ref reader, target);
                batch.Commit(length);
                value.Kind = AttributeValueKind.String;
                value.ValueOffset = offset;
                value.ValueLength = length;
            }
            else if (Is(ref reader, "intValue"u8, "int_value"u8))
            {
                reader.Read();
                value.Kind = AttributeValueKind.Int;
                value.Int = ReadInt64(ref reader, "intValue");
            }
            else if (Is(ref reader, "doubleValue"u8, "double_value"u8))
            {
                reader.Read();
                value.Kind = AttributeValueKind.Double;
                value.Double = ReadDouble(ref reader);
            }
            else if (Is(ref reader, "boolValue"u8, "bool_value"u8))
            {
                reader.Read();
                if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False)) throw new OtlpFormatException("boolValue must be true or false");
                value.Kind = AttributeValueKind.Bool;
                value.Int = reader.GetBoolean() ? 1 : 0;
            }
            else
            {
                SkipValue(ref reader);
                value.Kind = AttributeValueKind.Other;
            }
        }
    }

    private static int CopyString(ref Utf8JsonReader reader, Span<byte> target)
    {
        if (!reader.ValueIsEscaped)
        {
            reader.ValueSpan.CopyTo(target);
            return reader.ValueSpan.Length;
        }
        try
        {
            return reader.CopyString(target);
        }
        catch (InvalidOperationException)
        {
            // An escape that is not a character, such as a lone surrogate "\ud800", has no UTF-8 form: it becomes U+FFFD,
            // as an invalid sequence in a protobuf string does, and the rest of the request counts.
            return JsonStringUnescaper.Unescape(reader.ValueSpan, target);
        }
    }

    private static bool TryReadHexId(ref Utf8JsonReader reader, scoped Span<byte> destination)
    {
        if (reader.TokenType != JsonTokenType.String) return false;
        ReadOnlySpan<byte> hex = reader.ValueSpan;
        if (reader.ValueIsEscaped || hex.Length != destination.Length * 2) return false;
        for (int i = 0; i < destination.Length; i++)
        {
            int high = HexValue(hex[2 * i]), low = HexValue(hex[2 * i + 1]);
            if ((high | low) < 0) return false;
            destination[i] = (byte)(high << 4 | low);
        }
        return true;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static ulong ReadUInt64(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out ulong number)) return number;
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && Utf8Parser.TryParse(reader.ValueSpan, out ulong parsed, out int consumed) && consumed == reader.ValueSpan.Length)
            return parsed;
        if (reader.TokenType == JsonTokenType.Null) return 0;
        throw new OtlpFormatException($"{field} must be an unsigned 64-bit integer, as a string or a number");
    }

    private static long ReadInt64(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long number)) return number;
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && Utf8Parser.TryParse(reader.ValueSpan, out long parsed, out int consumed) && consumed == reader.ValueSpan.Length)
            return parsed;
        throw new OtlpFormatException($"{field} must be a 64-bit integer, as a string or a number");
    }

    private static double ReadDouble(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.GetDouble();
        // Protobuf JSON spells non-finite doubles as strings.
        if (reader.TokenType == JsonTokenType.String)
        {
            if (reader.ValueTextEquals("NaN"u8)) return double.NaN;
            if (reader.ValueTextEquals("Infinity"u8)) return double.PositiveInfinity;
            if (reader.ValueTextEquals("-Infinity"u8)) return double.NegativeInfinity;
            if (Utf8Parser.TryParse(reader.ValueSpan, out double parsed, out int consumed) && consumed == reader.ValueSpan.Length) return parsed;
        }
        throw new OtlpFormatException("doubleValue must be a number");
    }

    private static void ExpectStartObject(ref Utf8JsonReader reader, string what)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new OtlpFormatException($"{what} must be a JSON object, found {reader.TokenType}");
    }

    /// <summary>Moves to the next property name of the current object; false at its end.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.PropertyName;
    }

    private static bool Is(ref Utf8JsonReader reader, ReadOnlySpan<byte> camel, ReadOnlySpan<byte> snake) =>
        reader.ValueTextEquals(camel) || reader.ValueTextEquals(snake);

    private static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message.TrimEnd('.');
    }
}
