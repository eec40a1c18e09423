using System.Runtime.InteropServices;

namespace CpstExporter.Tasks;

/// <summary>
/// The span ids of one task with their parent and <see cref="SpanMarks"/>: how the task stage counts each span once
/// (a second arrival is a duplicate) and tells wrapper LLM calls from the calls below them. A span whose parent has
/// not arrived yet gets an entry for the parent too (a placeholder, not <see cref="SpanMarks.Seen"/>), so parents are
/// held as indexes. Small tasks are searched linearly; past <see cref="IndexAbove"/> spans a hash index keeps every
/// lookup O(1). A struct held in its task (and then in the finished task's entry): a pending task pays for its
/// entries only, and it is the unit of memory when a million tasks wait for their outcome.
/// </summary>
internal struct SpanTable
{
    private const int IndexAbove = 8;

    /// <summary>
    /// Most span ids one task keeps, so that a hostile trace cannot grow one task without bound; past it further
    /// spans of the task still count, without duplicate or wrapper detection.
    /// </summary>
    public const int MaxEntries = 1 << 20;

    private Entry[] _entries;
    private int _count;
    private Dictionary<ulong, int>? _index;

    /// <summary>12 bytes: the span id, and its parent's index (24 bits) with its marks (8 bits) in one word.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct Entry
    {
        public ulong SpanId;
        private uint _parentAndMarks;

        public SpanMarks Marks
        {
            readonly get => (SpanMarks)(_parentAndMarks & 0xFF);
            set => _parentAndMarks = (_parentAndMarks & ~0xFFu) | (byte)value;
        }

        /// <summary>The parent's index in the table; -1 for a root, or a placeholder whose span has not arrived.</summary>
        public int Parent
        {
            readonly get => (int)(_parentAndMarks >> 8) - 1;
            set => _parentAndMarks = (uint)(value + 1) << 8 | (_parentAndMarks & 0xFF);
        }
    }

    /// <summary>A table with room for <paramref name="capacity"/> spans; a default one makes room on first use.</summary>
    public SpanTable(int capacity) => _entries = new Entry[Math.Clamp(capacity, 1, MaxEntries)];

    /// <summary>A table over an array of a <see cref="PendingTaskPool"/>; what it held before is not read.</summary>
    public SpanTable(Entry[] entries) => _entries = entries;

    /// <summary>The array behind the table, for <see cref="PendingTaskPool"/> once the table is no longer used.</summary>
    public readonly Entry[]? Entries => _entries;

    /// <summary>Room for a root, an LLM call and a tool call, the smallest common task; it doubles from there.</summary>
    public const int InitialCapacity = 3;

    public readonly int Count => _count;

    public readonly bool IsFull => _count >= MaxEntries;

    public readonly ref Entry At(int index) => ref _entries[index];

    public readonly int IndexOf(ulong spanId)
    {
        if (_index is not null) return _index.TryGetValue(spanId, out int found) ? found : -1;
        for (int i = 0; i < _count; i++)
            if (_entries[i].SpanId == spanId) return i;
        return -1;
    }

    /// <summary>
    /// Records that span <paramref name="spanId"/> arrived. False when it had arrived before: a duplicate. An entry that
    /// stood for a parent not seen yet keeps the marks its children left. <paramref name="index"/> is -1 when the table
    /// is full and the span is not tracked.
    /// </summary>
    public bool TryArrive(ulong spanId, ulong parentSpanId, out int index)
    {
        index = IndexOf(spanId);
        if (index >= 0)
        {
            if ((_entries[index].Marks & SpanMarks.Seen) != 0) return false;
            _entries[index].Marks |= SpanMarks.Seen;
        }
        else
        {
            index = Add(spanId, SpanMarks.Seen);
            if (index < 0) return true;
        }
        if (parentSpanId != 0 && parentSpanId != spanId)
        {
            int parent = IndexOf(parentSpanId);
            if (parent < 0) parent = Add(parentSpanId, SpanMarks.None);
            _entries[index].Parent = parent;
        }
        return true;
    }

    /// <summary>Adds an entry for <paramref name="spanId"/> (not present yet); its index, or -1 when the table is full.</summary>
    public int Add(ulong spanId, SpanMarks marks)
    {
        if (IsFull) return -1;
        _entries ??= new Entry[InitialCapacity];
        if (_count == _entries.Length) Array.Resize(ref _entries, Math.Min(_entries.Length * 2, MaxEntries));
        int index = _count++;
        _entries[index] = new Entry { SpanId = spanId, Marks = marks, Parent = -1 };
        if (_index is not null) _index[spanId] = index;
        else if (_count > IndexAbove)
        {
            _index = new Dictionary<ulong, int>(_count * 2);
            for (int i = 0; i < _count; i++) _index[_entries[i].SpanId] = i;
        }
        return index;
    }

    /// <summary>
    /// True when the call of <paramref name="spanId"/> still counts (no later span showed it a wrapper), or when the
    /// span is not tracked because the table is full.
    /// </summary>
    public readonly bool IsCounted(ulong spanId)
    {
        int index = IndexOf(spanId);
        return index < 0 ? IsFull : (_entries[index].Marks & SpanMarks.Counted) != 0;
    }

    /// <summary>Every entry, for the state file.</summary>
    public readonly ReadOnlySpan<Entry> All => _count == 0 ? default : _entries.AsSpan(0, _count);
}
