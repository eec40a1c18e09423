using System.Runtime.InteropServices;

namespace CpstExporter.Tasks;

/// <summary>
/// The span ids of one task with their parent and <see cref="SpanMarks"/>: how the task stage counts each span once
/// (a second arrival is a duplicate) and tells wrapper LLM calls from the calls below them. Small tasks are searched
/// linearly; past <see cref="IndexAbove"/> spans a hash index keeps every lookup O(1). A struct held in its task (and
/// then in the finished task's entry), so that a pending task pays for its entries only: it is the unit of memory
/// when a million tasks wait for their outcome.
/// </summary>
internal struct SpanTable
{
    private const int IndexAbove = 8;

    private Entry[] _entries;
    private int _count;
    private Dictionary<ulong, int>? _index;

    /// <summary>20 bytes: the root, one LLM call and one tool call, the common task, fit in 60.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct Entry
    {
        public ulong SpanId;
        public ulong ParentSpanId;
        public SpanMarks Marks;
    }

    public SpanTable(int capacity) => _entries = new Entry[Math.Max(1, capacity)];

    /// <summary>Room for a root, an LLM call and a tool call; it doubles from there.</summary>
    public static SpanTable Create() => new(3);

    public readonly int Count => _count;

    public readonly ref Entry At(int index) => ref _entries[index];

    public readonly int IndexOf(ulong spanId)
    {
        if (_index is not null) return _index.TryGetValue(spanId, out int found) ? found : -1;
        for (int i = 0; i < _count; i++)
            if (_entries[i].SpanId == spanId) return i;
        return -1;
    }

    /// <summary>Adds an entry for <paramref name="spanId"/> (not present yet) and returns its index.</summary>
    public int Add(ulong spanId, ulong parentSpanId, SpanMarks marks)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        int index = _count++;
        _entries[index] = new Entry { SpanId = spanId, ParentSpanId = parentSpanId, Marks = marks };
        if (_index is not null) _index[spanId] = index;
        else if (_count > IndexAbove)
        {
            _index = new Dictionary<ulong, int>(_count * 2);
            for (int i = 0; i < _count; i++) _index[_entries[i].SpanId] = i;
        }
        return index;
    }

    /// <summary>
    /// Records that span <paramref name="spanId"/> arrived. False when it had arrived before: a duplicate. An entry that
    /// stood for a parent not seen yet keeps the marks its children left.
    /// </summary>
    public bool TryArrive(ulong spanId, ulong parentSpanId, out int index)
    {
        index = IndexOf(spanId);
        if (index < 0)
        {
            index = Add(spanId, parentSpanId, SpanMarks.Seen);
            return true;
        }
        ref Entry entry = ref _entries[index];
        if ((entry.Marks & SpanMarks.Seen) != 0) return false;
        entry.Marks |= SpanMarks.Seen;
        entry.ParentSpanId = parentSpanId;
        return true;
    }

    /// <summary>True when the entry of <paramref name="spanId"/> is still counted (no later span showed it a wrapper).</summary>
    public readonly bool IsCounted(ulong spanId)
    {
        int index = IndexOf(spanId);
        return index >= 0 && (_entries[index].Marks & SpanMarks.Counted) != 0;
    }

    /// <summary>Every entry, for the state file.</summary>
    public readonly ReadOnlySpan<Entry> All => _entries.AsSpan(0, _count);
}
