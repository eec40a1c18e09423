using System.Buffers;
using System.Buffers.Text;
using System.Globalization;

namespace CpstExporter.Exposition;

/// <summary>A growable UTF-8 buffer that formats numbers in place with the invariant culture.</summary>
internal sealed class ExpositionBuffer
{
    private byte[] _bytes;

    public ExpositionBuffer(int initialSize = 64 * 1024) => _bytes = new byte[initialSize];

    public int Length { get; private set; }
    public ReadOnlyMemory<byte> Written => _bytes.AsMemory(0, Length);

    public void Reset() => Length = 0;

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
