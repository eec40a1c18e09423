using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

/// <summary>
/// The decoded form of one export request: flat arrays of spans, resources and attributes, the evaluation events
/// found in span events or log records (<see cref="EvaluationRecord"/>), plus a byte arena for keys and string values.
/// A log request fills only the evaluations and the count of log records ignored. Reused across requests (see
/// <see cref="SpanBatchPool"/>), so decoding a request allocates nothing once the arrays have grown to the working size.
/// </summary>
/// <remarks>
/// What a request may take decoded is bounded by what it weighs on the wire: an attribute without key or value is 2
/// bytes of protobuf and a 40-byte record, so without a bound a 60 MB request (58 KB gzipped) of nothing else would
/// take 1.2 GB. Every record and string is charged to a budget of <see cref="DecodedBytesPerReceivedByte"/> bytes per
/// byte received, never more than the ceiling given at construction (twice <c>Cpst:Limits:MaxRequestBytes</c>); the
/// record that would overdraw it throws <see cref="RequestTooLargeException"/>, answered as too large (HTTP 413,
/// gRPC RESOURCE_EXHAUSTED), and the arrays never grow past what the budget could fill.
/// </remarks>
internal sealed class SpanBatch
{
    /// <summary>
    /// Decoded bytes (records, keys and strings) allowed per byte of the received request, after decompression. Real
    /// instrumentation decodes to under 2 bytes per byte in protobuf and under 1 in JSON; the densest attribute that
    /// has a key and a value (a one-letter key and a small number, 9 bytes and a 40-byte record) to 4.6. So 5 refuses
    /// only requests made mostly of records with nothing in them: attributes without a key or a value.
    /// </summary>
    public const int DecodedBytesPerReceivedByte = 5;

    /// <summary>Allowed on top of the per-byte budget, so that a small request is never refused for the size of its records.</summary>
    public const int DecodeAllowance = 64 * 1024;

    /// <summary>The ceiling of a batch made without one: twice the default <c>Cpst:Limits:MaxRequestBytes</c>.</summary>
    public const long DefaultMaxDecodedBytes = 2L * 64 * 1024 * 1024;

    private const int InitialSpans = 64, InitialResources = 4, InitialAttributes = 1024, InitialArena = 16 * 1024, InitialEvaluations = 4;

    private SpanRecord[] _spans = new SpanRecord[InitialSpans];
    private ResourceRecord[] _resources = new ResourceRecord[InitialResources];
    private AttributeRecord[] _attributes = new AttributeRecord[InitialAttributes];
    private byte[] _arena = new byte[InitialArena];
    private EvaluationRecord[] _evaluations = new EvaluationRecord[InitialEvaluations];

    private readonly long _maxDecodedBytes;
    private long _decodeLimit, _decodeLeft;

    /// <summary>A batch that keeps every attribute, with the default ceiling.</summary>
    public SpanBatch() : this(DefaultMaxDecodedBytes)
    {
    }

    /// <param name="maxDecodedBytes">What one request may take decoded, however large it is: twice <c>Cpst:Limits:MaxRequestBytes</c>.</param>
    /// <param name="spanKeys">The span attributes to keep, the others skipped as they are read; null keeps all.</param>
    /// <param name="resourceKeys">The same for resource attributes.</param>
    public SpanBatch(long maxDecodedBytes, AttributeKeySet? spanKeys = null, AttributeKeySet? resourceKeys = null)
    {
        _maxDecodedBytes = maxDecodedBytes;
        _decodeLimit = _decodeLeft = maxDecodedBytes;
        SpanKeys = spanKeys;
        ResourceKeys = resourceKeys;
    }

    /// <summary>The span attributes kept, each with its code in this set; null when every attribute is kept (codes -1).</summary>
    public AttributeKeySet? SpanKeys { get; }

    /// <summary>The resource attributes kept, as <see cref="SpanKeys"/>.</summary>
    public AttributeKeySet? ResourceKeys { get; }

    public int SpanCount { get; private set; }
    public int ResourceCount { get; private set; }
    public int AttributeCount { get; private set; }
    public int EvaluationCount { get; private set; }
    private int _arenaLength;

    private readonly int[] _rejected = new int[Enum.GetValues<RejectionReason>().Length];
    private readonly int[] _ignored = new int[Enum.GetValues<IgnoredAttributeReason>().Length];
    private readonly int[] _ignoredLogRecords = new int[Enum.GetValues<IgnoredLogRecordReason>().Length];
    private int _refusedAfterDecoding;

    /// <summary>Spans refused: by the reader (bad ids; they are not in <see cref="Spans"/>) or by a later stage (<see cref="Reject"/>).</summary>
    public int RejectedSpans { get; private set; }

    /// <summary>Spans in <see cref="Spans"/> that no later stage refused: what <c>cpst_received_spans_total</c> counts.</summary>
    public int AcceptedSpans => SpanCount - _refusedAfterDecoding;

    /// <summary>Attributes of accepted spans that a later stage ignored (<see cref="Ignore"/>).</summary>
    public int IgnoredAttributes { get; private set; }

    /// <summary>Log records accepted and ignored: not evaluation events, or evaluation events that could not be used.</summary>
    public int IgnoredLogRecords { get; private set; }

    /// <summary>The first refusal's explanation and the first ignored attribute's or evaluation event's, for the client's partial-success message.</summary>
    public string? RejectionMessage => _rejectionMessage is null ? _ignoreMessage
        : _ignoreMessage is null ? _rejectionMessage : _rejectionMessage + "; " + _ignoreMessage;
    private string? _rejectionMessage, _ignoreMessage;

    /// <summary>
    /// The answer is a partial success: spans were refused, or attributes or evaluation events ignored (a warning, with
    /// nothing rejected). An ordinary log record ignored is no warning: the logs endpoint is meant to receive them.
    /// </summary>
    public bool IsPartialSuccess => RejectedSpans > 0 || _ignoreMessage is not null;

    public int RejectedFor(RejectionReason reason) => _rejected[(int)reason];

    public int IgnoredFor(IgnoredAttributeReason reason) => _ignored[(int)reason];

    public int IgnoredFor(IgnoredLogRecordReason reason) => _ignoredLogRecords[(int)reason];

    public ReadOnlySpan<SpanRecord> Spans => _spans.AsSpan(0, SpanCount);
    public ReadOnlySpan<ResourceRecord> Resources => _resources.AsSpan(0, ResourceCount);
    public ReadOnlySpan<AttributeRecord> Attributes => _attributes.AsSpan(0, AttributeCount);
    public ReadOnlySpan<EvaluationRecord> Evaluations => _evaluations.AsSpan(0, EvaluationCount);

    public ReadOnlySpan<byte> NameOf(in EvaluationRecord evaluation) => _arena.AsSpan(evaluation.NameOffset, evaluation.NameLength);
    public ReadOnlySpan<byte> LabelOf(in EvaluationRecord evaluation) => _arena.AsSpan(evaluation.LabelOffset, evaluation.LabelLength);

    public ReadOnlySpan<byte> KeyOf(in AttributeRecord attribute) => _arena.AsSpan(attribute.KeyOffset, attribute.KeyLength);
    public ReadOnlySpan<byte> StringOf(in AttributeRecord attribute) => _arena.AsSpan(attribute.ValueOffset, attribute.ValueLength);

    /// <summary>Bytes that the records and strings decoded since <see cref="StartDecoding"/> were charged.</summary>
    public long DecodedBytes => _decodeLimit - _decodeLeft;

    /// <summary>Bytes the batch's arrays take, used or not: what keeping it in a pool keeps.</summary>
    public long CapacityBytes =>
        (long)_spans.Length * Unsafe.SizeOf<SpanRecord>() + (long)_resources.Length * Unsafe.SizeOf<ResourceRecord>() +
        (long)_attributes.Length * Unsafe.SizeOf<AttributeRecord>() + (long)_evaluations.Length * Unsafe.SizeOf<EvaluationRecord>() +
        _arena.Length;

    /// <summary>
    /// Starts the decode budget of a request of <paramref name="receivedBytes"/> (after decompression): the readers
    /// call it before decoding, so every path that decodes (HTTP, gRPC) is bounded alike.
    /// </summary>
    public void StartDecoding(int receivedBytes) =>
        _decodeLimit = _decodeLeft = Math.Min((long)receivedBytes * DecodedBytesPerReceivedByte + DecodeAllowance, _maxDecodedBytes);

    public void Clear()
    {
        SpanCount = ResourceCount = AttributeCount = _arenaLength = RejectedSpans = _refusedAfterDecoding = IgnoredAttributes = 0;
        EvaluationCount = IgnoredLogRecords = 0;
        _rejectionMessage = _ignoreMessage = null;
        Array.Clear(_rejected);
        Array.Clear(_ignored);
        Array.Clear(_ignoredLogRecords);
        _decodeLimit = _decodeLeft = _maxDecodedBytes;
    }

    public int AddResource()
    {
        Charge(Unsafe.SizeOf<ResourceRecord>());
        if (ResourceCount == _resources.Length) Grow(ref _resources);
        _resources[ResourceCount] = new ResourceRecord { AttributeStart = AttributeCount };
        return ResourceCount++;
    }

    public ref ResourceRecord ResourceAt(int index) => ref _resources[index];

    public ref SpanRecord AddSpan(int resourceIndex)
    {
        Charge(Unsafe.SizeOf<SpanRecord>());
        if (SpanCount == _spans.Length) Grow(ref _spans);
        ref SpanRecord span = ref _spans[SpanCount++];
        span = default;
        span.ResourceIndex = resourceIndex;
        span.AttributeStart = AttributeCount;
        return ref span;
    }

    /// <summary>Drops the span added last, with the attributes it added.</summary>
    public void RemoveLastSpan(RejectionReason reason, string message)
    {
        ref SpanRecord span = ref _spans[--SpanCount];
        AttributeCount = span.AttributeStart;
        RejectedSpans++;
        _rejected[(int)reason]++;
        _rejectionMessage ??= message;
    }

    /// <summary>Records spans that a later stage refused, so the response reports them in <c>partial_success</c>.</summary>
    public void Reject(RejectionReason reason, int count, string message)
    {
        if (count == 0) return;
        RejectedSpans += count;
        _refusedAfterDecoding += count;
        _rejected[(int)reason] += count;
        _rejectionMessage ??= message;
    }

    /// <summary>
    /// Records attributes of accepted spans that a later stage ignored, so the response names them in
    /// <c>partial_success.error_message</c> (with no span rejected, the OTLP form of a warning) and they are counted.
    /// </summary>
    public void Ignore(IgnoredAttributeReason reason, int count, string message)
    {
        if (count == 0) return;
        IgnoredAttributes += count;
        _ignored[(int)reason] += count;
        _ignoreMessage ??= message;
    }

    /// <summary>Counts a log record accepted and ignored; one that was an evaluation event is named in the answer's message.</summary>
    public void IgnoreLogRecord(IgnoredLogRecordReason reason)
    {
        IgnoredLogRecords++;
        _ignoredLogRecords[(int)reason]++;
        if (reason != IgnoredLogRecordReason.NotEvaluation) _ignoreMessage ??= reason.Problem();
    }

    /// <summary>
    /// Adds the evaluation event whose name, label and score were read into <paramref name="name"/>,
    /// <paramref name="label"/> and <paramref name="score"/> (strings in the arena), for <paramref name="traceId"/>; or
    /// returns why it cannot be used, adding nothing. A label that is empty is none; a score may be an int or a double.
    /// </summary>
    public IgnoredLogRecordReason? AddEvaluation(TraceId traceId, in AttributeRecord name, in AttributeRecord label, in AttributeRecord score)
    {
        if (name.Kind != AttributeValueKind.String || name.ValueLength == 0) return IgnoredLogRecordReason.NoEvaluationName;
        if (name.ValueLength > EvaluationEvent.MaxValueBytes) return IgnoredLogRecordReason.TooLong;
        bool hasLabel = label.Kind == AttributeValueKind.String && label.ValueLength > 0;
        if (label.Kind is not (AttributeValueKind.Empty or AttributeValueKind.String)) return IgnoredLogRecordReason.InvalidScore;
        if (label.ValueLength > EvaluationEvent.MaxValueBytes) return IgnoredLogRecordReason.TooLong;
        double value;
        switch (score.Kind)
        {
            case AttributeValueKind.Empty:
                if (!hasLabel) return IgnoredLogRecordReason.NoScore;
                value = double.NaN;
                break;
            case AttributeValueKind.Int:
                value = score.Int;
                break;
            case AttributeValueKind.Double when double.IsFinite(score.Double):
                value = score.Double;
                break;
            default:
                return IgnoredLogRecordReason.InvalidScore;
        }

        Charge(Unsafe.SizeOf<EvaluationRecord>());
        if (EvaluationCount == _evaluations.Length) Grow(ref _evaluations);
        _evaluations[EvaluationCount++] = new EvaluationRecord
        {
            TraceId = traceId,
            NameOffset = name.ValueOffset,
            NameLength = name.ValueLength,
            LabelOffset = hasLabel ? label.ValueOffset : 0,
            LabelLength = hasLabel ? label.ValueLength : 0,
            HasScore = score.Kind != AttributeValueKind.Empty,
            Score = value,
        };
        return null;
    }

    /// <summary>Gives the evaluations added since <paramref name="start"/> (a span's events, read before its trace id was known) their trace.</summary>
    public void SetEvaluationTrace(int start, TraceId traceId)
    {
        for (int i = start; i < EvaluationCount; i++) _evaluations[i].TraceId = traceId;
    }

    /// <summary>Drops the evaluations added since <paramref name="start"/>: those of a span that was refused.</summary>
    public void RemoveEvaluationsFrom(int start) => EvaluationCount = start;

    public ref AttributeRecord AddAttribute(ReadOnlySpan<byte> key) => ref AddAttribute(Append(key), key.Length);

    /// <summary>Adds an attribute kept by its key's code in <see cref="SpanKeys"/> or <see cref="ResourceKeys"/> alone:
    /// the key is not copied, and <see cref="KeyOf"/> is empty for it.</summary>
    public ref AttributeRecord AddCodedAttribute(int code)
    {
        ref AttributeRecord attribute = ref AddAttribute(keyOffset: 0, keyLength: 0);
        attribute.Code = code;
        return ref attribute;
    }

    /// <summary>Adds an attribute whose key is already in the arena (written through <see cref="Reserve"/>).</summary>
    public ref AttributeRecord AddAttribute(int keyOffset, int keyLength)
    {
        Charge(Unsafe.SizeOf<AttributeRecord>());
        if (AttributeCount == _attributes.Length) Grow(ref _attributes);
        ref AttributeRecord attribute = ref _attributes[AttributeCount++];
        attribute = default;
        attribute.Code = -1;
        attribute.KeyOffset = keyOffset;
        attribute.KeyLength = keyLength;
        return ref attribute;
    }

    public ref AttributeRecord AttributeAt(int index) => ref _attributes[index];

    /// <summary>Takes back the attribute added last (one its reader found it should not keep). Its bytes stay charged.</summary>
    public void RemoveLastAttribute() => AttributeCount--;

    public void SetString(ref AttributeRecord attribute, ReadOnlySpan<byte> utf8)
    {
        attribute.Kind = AttributeValueKind.String;
        attribute.ValueOffset = Append(utf8);
        attribute.ValueLength = utf8.Length;
    }

    /// <summary>
    /// Reserves arena room for a value the caller writes itself (JSON unescaping); returns its offset. The whole room
    /// is charged, though unescaping may use less of it.
    /// </summary>
    public Span<byte> Reserve(int maxLength, out int offset)
    {
        Charge(maxLength);
        EnsureArena(maxLength);
        offset = _arenaLength;
        return _arena.AsSpan(_arenaLength, maxLength);
    }

    public void Commit(int length) => _arenaLength += length;

    /// <summary>Ends the attribute list of the span being read.</summary>
    public void CloseSpanAttributes(ref SpanRecord span) => span.AttributeCount = AttributeCount - span.AttributeStart;

    public void CloseResourceAttributes(int resourceIndex)
    {
        ref ResourceRecord resource = ref _resources[resourceIndex];
        resource.AttributeCount = AttributeCount - resource.AttributeStart;
    }

    private int Append(ReadOnlySpan<byte> bytes)
    {
        Charge(bytes.Length);
        EnsureArena(bytes.Length);
        int offset = _arenaLength;
        bytes.CopyTo(_arena.AsSpan(offset));
        _arenaLength += bytes.Length;
        return offset;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Charge(int bytes)
    {
        _decodeLeft -= bytes;
        if (_decodeLeft < 0) ThrowOverBudget();
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowOverBudget() => throw RequestTooLargeException.Decoded(_decodeLimit, DecodedBytesPerReceivedByte);

    /// <summary>Doubles an array of records, but never past what the rest of the budget could fill (the new record is charged already).</summary>
    private void Grow<T>(ref T[] records) where T : struct
    {
        long room = records.Length + 1 + _decodeLeft / Unsafe.SizeOf<T>();
        Array.Resize(ref records, (int)Math.Min(Math.Min(records.Length * 2L, room), Array.MaxLength));
    }

    /// <summary>Makes room for <paramref name="extra"/> more bytes (charged already), doubling, but never past what the budget could fill.</summary>
    private void EnsureArena(int extra)
    {
        long needed = (long)_arenaLength + extra;
        if (needed <= _arena.Length) return;
        long size = _arena.Length;
        while (size < needed) size *= 2;
        Array.Resize(ref _arena, (int)Math.Min(Math.Min(size, needed + _decodeLeft), Array.MaxLength));
    }

    public override string ToString() =>
        $"{SpanCount} spans, {AttributeCount} attributes, {RejectedSpans} rejected, {EvaluationCount} evaluations, {IgnoredLogRecords} log records ignored";
}
