using System.Buffers.Binary;

namespace CpstExporter.Receiving;

/// <summary>
/// A forward-only reader of the protobuf wire format over a span: tags, varints, fixed-width numbers and
/// length-delimited slices. It never allocates; malformed input throws <see cref="OtlpFormatException"/>.
/// </summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> buffer)
{
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, StartGroup = 3, EndGroup = 4, Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _buffer = buffer;
    private int _position;

    public readonly bool End => _position >= _buffer.Length;

    /// <summary>Reads the next tag; returns false at the end of the buffer.</summary>
    public bool TryReadTag(out int field, out int wireType)
    {
        if (End)
        {
            field = wireType = 0;
            return false;
        }
        ulong tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        if (field <= 0 || tag >> 3 > int.MaxValue) throw new OtlpFormatException($"invalid field number at byte {_position}");
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _buffer.Length) throw Truncated();
            byte b = _buffer[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new OtlpFormatException($"varint longer than 10 bytes at byte {_position}");
    }

    public ulong ReadFixed64()
    {
        if (_position + 8 > _buffer.Length) throw Truncated();
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_buffer[_position..]);
        _position += 8;
        return value;
    }

    public uint ReadFixed32()
    {
        if (_position + 4 > _buffer.Length) throw Truncated();
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(_buffer[_position..]);
        _position += 4;
        return value;
    }

    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_buffer.Length - _position)) throw Truncated();
        ReadOnlySpan<byte> slice = _buffer.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    /// <summary>Reads a field of the expected wire type, or fails with a message naming the field.</summary>
    public void Expect(int wireType, int expected, string field)
    {
        if (wireType != expected) throw new OtlpFormatException($"{field} has wire type {wireType}, expected {expected}");
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint: ReadVarint(); break;
            case Fixed64: Advance(8); break;
            case LengthDelimited: ReadLengthDelimited(); break;
            case Fixed32: Advance(4); break;
            // Groups are deprecated and absent from OTLP; refusing them keeps skipping non-recursive.
            default: throw new OtlpFormatException($"unsupported wire type {wireType} at byte {_position}");
        }
    }

    private void Advance(int count)
    {
        if (_position + count > _buffer.Length) throw Truncated();
        _position += count;
    }

    private readonly OtlpFormatException Truncated() => new($"message truncated at byte {_position}");
}
