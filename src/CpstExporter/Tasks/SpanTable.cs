using System.Runtime.InteropServices;

namespace CpstExporter.Tasks;

/// <summary>
/// The span ids of one task with their parent and <see cref="SpanMarks"/>: how the task stage counts each span once
/// (a second arrival is a duplicate) and tells wrapper LLM calls from the calls below them. Small tasks are searched
/// linearly; past <see cref="IndexAbove"/> spans a hash index keeps every lookup O(1).
/// </summary>
internal sealed class SpanTable
{
    private const int IndexAbove = 8;

    private Entry[] _entries;
    private int _count;
    private Dictionary<ulong, int>? _index;

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct Entry
    {
        public ulong SpanId;
        public ulong ParentSpanId;
        public SpanMarks Marks;
    }

    public SpanTable(int capacity = 3) => _entries = new Entry[Math.Max(1, capacity)];

    public int Count => _count;

    public ref Entry At(int index) => ref _entries[index];

    public int IndexOf(ulong spanId)
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

    /// <summary>Every entry, for the state file.</summary>
    public ReadOnlySpan<Entry> All => _entries.AsSpan(0, _count);
}
