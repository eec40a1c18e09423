namespace CpstExporter.Receiving;

/// <summary>
/// The decoded form of one export request: flat arrays of spans, resources and attributes plus a byte arena
/// for keys and string values. Reused across requests (see <see cref="SpanBatchPool"/>), so decoding a request
/// allocates nothing once the arrays have grown to the working size.
/// </summary>
internal sealed class SpanBatch
{
    private SpanRecord[] _spans = new SpanRecord[64];
    private ResourceRecord[] _resources = new ResourceRecord[4];
    private AttributeRecord[] _attributes = new AttributeRecord[1024];
    private byte[] _arena = new byte[16 * 1024];

    public int SpanCount { get; private set; }
    public int ResourceCount { get; private set; }
    public int AttributeCount { get; private set; }
    private int _arenaLength;

    private readonly int[] _rejected = new int[Enum.GetValues<RejectionReason>().Length];

    /// <summary>Spans the reader refused (bad ids); they are not in <see cref="Spans"/>.</summary>
    public int RejectedSpans { get; private set; }
    /// <summary>The first refusal's explanation, for the client's partial-success message.</summary>
    public string? RejectionMessage { get; private set; }

    public int RejectedFor(RejectionReason reason) => _rejected[(int)reason];

    public ReadOnlySpan<SpanRecord> Spans => _spans.AsSpan(0, SpanCount);
    public ReadOnlySpan<ResourceRecord> Resources => _resources.AsSpan(0, ResourceCount);
    public ReadOnlySpan<AttributeRecord> Attributes => _attributes.AsSpan(0, AttributeCount);

    public ReadOnlySpan<byte> KeyOf(in AttributeRecord attribute) => _arena.AsSpan(attribute.KeyOffset, attribute.KeyLength);
    public ReadOnlySpan<byte> StringOf(in AttributeRecord attribute) => _arena.AsSpan(attribute.ValueOffset, attribute.ValueLength);

    public void Clear()
    {
        SpanCount = ResourceCount = AttributeCount = _arenaLength = RejectedSpans = 0;
        RejectionMessage = null;
        Array.Clear(_rejected);
    }

    public int AddResource()
    {
        if (ResourceCount == _resources.Length) Array.Resize(ref _resources, _resources.Length * 2);
        _resources[ResourceCount] = new ResourceRecord { AttributeStart = AttributeCount };
        return ResourceCount++;
    }

    public ref ResourceRecord ResourceAt(int index) => ref _resources[index];

    public ref SpanRecord AddSpan(int resourceIndex)
    {
        if (SpanCount == _spans.Length) Array.Resize(ref _spans, _spans.Length * 2);
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
        RejectionMessage ??= message;
    }

    /// <summary>Records spans that a later stage refused, so the response reports them in <c>partial_success</c>.</summary>
    public void Reject(RejectionReason reason, int count, string message)
    {
        if (count == 0) return;
        RejectedSpans += count;
        _rejected[(int)reason] += count;
        RejectionMessage ??= message;
    }

    public ref AttributeRecord AddAttribute(ReadOnlySpan<byte> key) => ref AddAttribute(Append(key), key.Length);

    /// <summary>Adds an attribute whose key is already in the arena (written through <see cref="Reserve"/>).</summary>
    public ref AttributeRecord AddAttribute(int keyOffset, int keyLength)
    {
        if (AttributeCount == _attributes.Length) Array.Resize(ref _attributes, _attributes.Length * 2);
        ref AttributeRecord attribute = ref _attributes[AttributeCount++];
        attribute = default;
        attribute.KeyOffset = keyOffset;
        attribute.KeyLength = keyLength;
        return ref attribute;
    }

    public ref AttributeRecord AttributeAt(int index) => ref _attributes[index];


    public void SetString(ref AttributeRecord attribute, ReadOnlySpan<byte> utf8)
    {
        attribute.Kind = AttributeValueKind.String;
        attribute.ValueOffset = Append(utf8);
        attribute.ValueLength = utf8.Length;
    }

    /// <summary>Reserves arena room for a value the caller writes itself (JSON unescaping); returns its offset.</summary>
    public Span<byte> Reserve(int maxLength, out int offset)
    {
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
        EnsureArena(bytes.Length);
        int offset = _arenaLength;
        bytes.CopyTo(_arena.AsSpan(offset));
        _arenaLength += bytes.Length;
        return offset;
    }

    private void EnsureArena(int extra)
    {
        if (_arenaLength + extra <= _arena.Length) return;
        int size = _arena.Length;
        while (size < _arenaLength + extra) size *= 2;
        Array.Resize(ref _arena, size);
    }

    public override string ToString() => $"{SpanCount} spans, {AttributeCount} attributes, {RejectedSpans} rejected";
}
