using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;

namespace CpstExporter.Exposition;

/// <summary>
/// A growable buffer: UTF-8 text with numbers formatted in place with the invariant culture, or the protobuf wire
/// format's varints, doubles and length-prefixed messages (<see cref="ProtobufExposition"/>).
/// </summary>
internal sealed class ExpositionBuffer
{
    private byte[] _bytes;

    public ExpositionBuffer(int initialSize = 64 * 1024) => _bytes = new byte[initialSize];

    public int Length { get; private set; }
    public ReadOnlyMemory<byte> Written => _bytes.AsMemory(0, Length);

    public void Reset() => Length = 0;

    /// <summary>Drops what was written after <paramref name="length"/>: a message that turned out to have nothing in it.</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        Length = length;
    }

    /// <summary>A protobuf varint (base 128, least significant group first).</summary>
    public void WriteVarint(ulong value)
    {
        Span<byte> to = Reserve(10);
        int n = 0;
        while (value >= 0x80)
        {
            to[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        to[n++] = (byte)value;
        Length += n;
    }

    /// <summary>A protobuf <c>double</c>: eight bytes, little-endian.</summary>
    public void WriteFixed64(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);
        Length += 8;
    }

    /// <summary>
    /// Starts a length-prefixed protobuf message: one byte is kept for its length, enough for a message under 128
    /// bytes, and <see cref="EndLengthPrefixed"/> moves a longer body to make room. Returns where the body starts.
    /// </summary>
    public int BeginLengthPrefixed()
    {
        Write((byte)0);
        return Length;
    }

    /// <summary>Writes the length of the message whose body started at <paramref name="body"/> before it.</summary>
    public void EndLengthPrefixed(int body)
    {
        int length = Length - body;
        int size = VarintSize((ulong)length);
        if (size > 1)
        {
            Reserve(size - 1);
            _bytes.AsSpan(body, length).CopyTo(_bytes.AsSpan(body + size - 1));
            Length += size - 1;
        }
        ulong value = (ulong)length;
        int at = body - 1;
        while (value >= 0x80)
        {
            _bytes[at++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _bytes[at] = (byte)value;
    }

    public static int VarintSize(ulong value)
    {
        int size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }

    public void Write(ReadOnlySpan<byte> utf8)
    {
        utf8.CopyTo(Reserve(utf8.Length));
        Length += utf8.Length;
    }

    public void Write(byte b)
    {
        Reserve(1)[0] = b;
        Length++;
    }

    public void Write(long value)
    {
        Utf8Formatter.TryFormat(value, Reserve(20), out int written);
        Length += written;
    }

    /// <summary>Writes a decimal without trailing zeros and never in exponent form: exact as accumulated.</summary>
    public void Write(decimal value)
    {
        // Dividing by 1.000…0 with the largest scale strips the trailing zeros a sum of products accumulates.
        value /= 1.000000000000000000000000000000000m;
        value.TryFormat(Reserve(40), out int written, default, CultureInfo.InvariantCulture);
        Length += written;
    }

    public void Write(double value)
    {
        if (double.IsPositiveInfinity(value)) Write("+Inf"u8);
        else if (double.IsNegativeInfinity(value)) Write("-Inf"u8);
        else if (double.IsNaN(value)) Write("NaN"u8);
        else
        {
            value.TryFormat(Reserve(32), out int written, "R", CultureInfo.InvariantCulture);
            Length += written;
        }
    }

    private Span<byte> Reserve(int count)
    {
        if (Length + count > _bytes.Length)
        {
            int size = _bytes.Length * 2;
            while (size < Length + count) size *= 2;
            Array.Resize(ref _bytes, size);
        }
        return _bytes.AsSpan(Length);
    }
}
