namespace CpstExporter.Receiving;

/// <summary>
/// One key/value attribute, 32 bytes. Key and string value are slices of the owning <see cref="SpanBatch"/>'s byte
/// arena; a number is held in <see cref="Int"/>, a double as its bits.
/// </summary>
internal struct AttributeRecord
{
    /// <summary>The code its key has in the batch's <see cref="AttributeKeySet"/>; -1 in a batch that keeps every attribute.</summary>
    public int Code;
    public int KeyOffset;
    public int KeyLength;
    public AttributeValueKind Kind;
    public int ValueOffset;
    public int ValueLength;
    /// <summary>Int value, bool as 0/1, a double's bits.</summary>
    public long Int;

    public double Double
    {
        readonly get => BitConverter.Int64BitsToDouble(Int);
        set => Int = BitConverter.DoubleToInt64Bits(value);
    }
}
