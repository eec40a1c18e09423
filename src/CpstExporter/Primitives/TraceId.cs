using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace CpstExporter.Primitives;

/// <summary>A W3C/OTLP trace id: 16 bytes, held as two big-endian halves so it is a cheap dictionary key.</summary>
internal readonly record struct TraceId(ulong High, ulong Low)
{
    public bool IsEmpty => High == 0 && Low == 0;

    public static TraceId FromBytes(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    public void WriteBytes(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    /// <summary>Parses 32 hex digits (either case); anything else is not a trace id.</summary>
    public static bool TryParseHex(ReadOnlySpan<char> hex, out TraceId id)
    {
        id = default;
        if (hex.Length != 32) return false;
        Span<byte> bytes = stackalloc byte[16];
        if (Convert.FromHexString(hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != 16)
            return false;
        id = FromBytes(bytes);
        return true;
    }

    /// <summary>Parses 32 hex digits (either case) given as UTF-8 bytes; anything else is not a trace id.</summary>
    public static bool TryParseHex(ReadOnlySpan<byte> utf8Hex, out TraceId id)
    {
        id = default;
        if (utf8Hex.Length != 32) return false;
        Span<byte> bytes = stackalloc byte[16];
        if (Convert.FromHexString(utf8Hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != 16)
            return false;
        id = FromBytes(bytes);
        return true;
    }

    /// <summary>Lower-case hex, as W3C trace context and OpenMetrics exemplars spell it.</summary>
    public override string ToString() => string.Create(32, this, static (chars, id) =>
    {
        Span<byte> bytes = stackalloc byte[16];
        id.WriteBytes(bytes);
        Convert.TryToHexStringLower(bytes, chars, out _);
    });

    public bool TryFormat(Span<byte> utf8Destination, [NotNullWhen(true)] out int written)
    {
        written = 0;
        if (utf8Destination.Length < 32) return false;
        Span<byte> bytes = stackalloc byte[16];
        WriteBytes(bytes);
        Convert.TryToHexStringLower(bytes, utf8Destination, out written);
        return true;
    }
}
