using System.Text;

namespace CpstExporter.Conventions;

/// <summary>
/// Turns UTF-8 attribute values (use case, model, provider, tool…) into strings, returning the same string for the
/// same bytes so that the per-span path does not allocate once the working set of values is known. Bounded: past
/// <see cref="Capacity"/> distinct values a value is decoded without being kept. Values are cut to
/// <see cref="MaxValueBytes"/> bytes (at a character boundary), since they become Prometheus label values.
/// </summary>
internal sealed class LabelValueCache
{
    public const int Capacity = 16 * 1024;
    public const int MaxValueBytes = 128;

    private readonly Entry?[] _buckets = new Entry?[Capacity];
    private readonly Lock _lock = new();
    private int _count;

    private sealed class Entry(byte[] key, string value, int hash, Entry? next)
    {
        public readonly byte[] Key = key;
        public readonly string Value = value;
        public readonly int Hash = hash;
        public readonly Entry? Next = next;
    }

    public string Get(ReadOnlySpan<byte> utf8)
    {
        utf8 = Truncate(utf8);
        int hash = Fnv1a(utf8);
        int bucket = (int)((uint)hash % Capacity);
        // Entries are immutable and published by a single reference write, so readers need no lock.
        for (Entry? entry = Volatile.Read(ref _buckets[bucket]); entry is not null; entry = entry.Next)
            if (entry.Hash == hash && utf8.SequenceEqual(entry.Key)) return entry.Value;

        string value = Encoding.UTF8.GetString(utf8);
        lock (_lock)
        {
            if (_count >= Capacity) return value;
            for (Entry? entry = _buckets[bucket]; entry is not null; entry = entry.Next)
                if (entry.Hash == hash && utf8.SequenceEqual(entry.Key)) return entry.Value;
            Volatile.Write(ref _buckets[bucket], new Entry(utf8.ToArray(), value, hash, _buckets[bucket]));
            _count++;
        }
        return value;
    }

    private static ReadOnlySpan<byte> Truncate(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length <= MaxValueBytes) return utf8;
        int end = MaxValueBytes;
        while (end > 0 && (utf8[end] & 0xC0) == 0x80) end--; // do not split a multi-byte character
        return utf8[..end];
    }

    private static int Fnv1a(ReadOnlySpan<byte> bytes)
    {
        uint hash = 2166136261;
        foreach (byte b in bytes) hash = (hash ^ b) * 16777619;
        return (int)hash;
    }
}
