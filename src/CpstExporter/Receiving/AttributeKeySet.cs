using System.Buffers.Binary;

namespace CpstExporter.Receiving;

/// <summary>
/// The attribute keys a reader keeps, each with the code the stage that reads them chose. An attribute whose key is
/// not in the set is skipped where it is read: its value is not decoded and nothing of it is stored, so the usual
/// HTTP, host and SDK attributes cost a span no more than their bytes on the wire. Immutable; one set serves every
/// request.
/// </summary>
internal sealed class AttributeKeySet
{
    private readonly Entry[] _entries;
    private readonly int _mask;

    private readonly record struct Entry(byte[]? Key, int Code);

    /// <param name="keys">Distinct keys, UTF-8, each with a code of zero or more.</param>
    public AttributeKeySet(IReadOnlyCollection<(byte[] Key, int Code)> keys)
    {
        int size = 16;
        while (size < keys.Count * 4) size *= 2; // at most a quarter full: a miss ends at an empty slot within a probe or two
        _entries = new Entry[size];
        _mask = size - 1;
        foreach (var (key, code) in keys)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(code);
            int slot = Hash(key) & _mask;
            while (_entries[slot].Key is not null)
            {
                if (_entries[slot].Key.AsSpan().SequenceEqual(key)) throw new ArgumentException($"key given twice: {System.Text.Encoding.UTF8.GetString(key)}", nameof(keys));
                slot = (slot + 1) & _mask;
            }
            _entries[slot] = new Entry(key, code);
        }
    }

    public bool TryMatch(ReadOnlySpan<byte> key, out int code)
    {
        int slot = Hash(key) & _mask;
        while (true)
        {
            ref readonly Entry entry = ref _entries[slot];
            if (entry.Key is null) break;
            if (key.SequenceEqual(entry.Key))
            {
                code = entry.Code;
                return true;
            }
            slot = (slot + 1) & _mask;
        }
        code = -1;
        return false;
    }

    // Length plus the first and last eight bytes tell attribute names apart; the full comparison settles the rest.
    private static int Hash(ReadOnlySpan<byte> key)
    {
        ulong head = 0, tail = 0;
        if (key.Length >= 8)
        {
            head = BinaryPrimitives.ReadUInt64LittleEndian(key);
            tail = BinaryPrimitives.ReadUInt64LittleEndian(key[^8..]);
        }
        else
        {
            foreach (byte b in key) head = head << 8 | b;
        }
        ulong mixed = (head * 0x9E3779B97F4A7C15UL) ^ (tail * 0xC2B2AE3D27D4EB4FUL) ^ (ulong)key.Length;
        return (int)(mixed >> 32 ^ mixed);
    }
}
