using System.Buffers;
using System.Text;

namespace CpstExporter.Conventions;

/// <summary>
/// Turns UTF-8 attribute values (use case, model, provider, tool…) into strings, returning the same string for the
/// same bytes so that the per-span path does not allocate once the working set of values is known. Bounded: past
/// <see cref="Capacity"/> distinct values a value is decoded without being kept. Every value goes through
/// <see cref="Decode"/>, the one rule by which text from a span becomes a label value, so the metrics, the task API
/// and the state file all see the same string (docs/operations.md, "Hostile input and faults").
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

        string value = Decode(utf8);
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

    /// <summary>
    /// Text from a span as a label value: each invalid UTF-8 sequence becomes U+FFFD (the Unicode standard's practice of
    /// one replacement per maximal invalid subpart, as every UTF-8 decoder of .NET does), so does every control character
    /// (U+0000–U+001F, U+007F–U+009F: NUL, tab, CR, LF, ESC, NEL…) and the line and paragraph separators U+2028 and
    /// U+2029, which break lines in Unicode-aware readers; then the value is cut to <see cref="MaxValueBytes"/> bytes of
    /// UTF-8 at a character boundary. What is left is printable, valid UTF-8 that no exposition format, JSON writer or
    /// log line has to treat specially but for the quote and the backslash.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> utf8)
    {
        string text = Encoding.UTF8.GetString(Truncate(utf8));
        if (text.AsSpan().IndexOfAny(Unprintable) < 0 && (text.Length * 3 <= MaxValueBytes || Encoding.UTF8.GetByteCount(text) <= MaxValueBytes))
            return text;
        var clean = new StringBuilder(text.Length);
        int bytes = 0;
        Span<char> chars = stackalloc char[2];
        foreach (Rune character in text.EnumerateRunes())
        {
            Rune kept = character.IsBmp && Unprintable.Contains((char)character.Value) ? Rune.ReplacementChar : character;
            // A replacement takes three bytes where an invalid byte or a control character took one or two.
            if (bytes + kept.Utf8SequenceLength > MaxValueBytes) break;
            bytes += kept.Utf8SequenceLength;
            clean.Append(chars[..kept.EncodeToUtf16(chars)]);
        }
        return clean.ToString();
    }

    /// <summary>The characters <see cref="Decode"/> replaces: Unicode's control characters (category Cc) and U+2028, U+2029.</summary>
    private static readonly SearchValues<char> Unprintable = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(c => (char)c), .. Enumerable.Range(0x7F, 0x21).Select(c => (char)c), '\u2028', '\u2029']);

    private static ReadOnlySpan<byte> Truncate(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length <= MaxValueBytes) return utf8;
        int end = MaxValueBytes;
        // Do not split a character: back up to its first byte, at most three (more continuation bytes are no character).
        while (end > MaxValueBytes - 3 && (utf8[end] & 0xC0) == 0x80) end--;
        return utf8[..end];
    }

    private static int Fnv1a(ReadOnlySpan<byte> bytes)
    {
        uint hash = 2166136261;
        foreach (byte b in bytes) hash = (hash ^ b) * 16777619;
        return (int)hash;
    }
}
