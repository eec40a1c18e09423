using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CpstExporter.Tasks;

/// <summary>
/// A map whose entries expire at a time given when each is set, on the task stage's monotonic milliseconds. The task
/// stage keeps two: finished tasks remembered for late spans, late outcomes and duplicates, and outcomes held for traces
/// not seen yet. Expiry needs no priority queue: each map sets every entry the same time ahead, so a queue in the order
/// entries were set is in expiry order too. An entry removed or set again leaves its place in the queue behind; the
/// place is known for stale by its expiry, which no longer matches the entry's, and skipped when it comes up.
/// </summary>
/// <remarks>
/// Bounded by <see cref="Capacity"/>, which its owner applies before it sets a new key, since the two maps answer a full
/// map differently: held outcomes refuse the new one, finished tasks take out the oldest (<see cref="TryTakeOldest"/>).
/// Not thread-safe: used under the task lock. A value is updated in place through <see cref="GetValueRefOrNullRef"/>,
/// so a late span adds to a finished task's span table without copying the entry.
/// </remarks>
internal sealed class ExpiringMap<TKey, TValue>(int capacity)
    where TKey : notnull, IEquatable<TKey>
{
    private readonly Dictionary<TKey, Entry> _entries = new();
    private readonly Queue<(TKey Key, long ExpiresMs)> _expiries = new();

    private struct Entry(TValue value, long expiresMs)
    {
        public TValue Value = value;
        public readonly long ExpiresMs = expiresMs;
    }

    /// <summary>Most entries the owner keeps.</summary>
    public int Capacity { get; } = capacity;

    public int Count => _entries.Count;

    public bool IsFull => _entries.Count >= Capacity;

    /// <summary>Places in the expiry queue, stale ones included: what the map holds in memory besides its entries.</summary>
    public int QueuedExpiries => _expiries.Count;

    public bool ContainsKey(TKey key) => _entries.ContainsKey(key);

    /// <summary>The value of <paramref name="key"/>, to read or update in place; a null reference when there is none.</summary>
    public ref TValue GetValueRefOrNullRef(TKey key)
    {
        ref Entry entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, key);
        if (Unsafe.IsNullRef(ref entry)) return ref Unsafe.NullRef<TValue>();
        return ref entry.Value;
    }

    /// <summary>
    /// Sets <paramref name="key"/> to <paramref name="value"/> until <paramref name="expiresMs"/>, whether or not the map
    /// is full. Returns true, with the value it had, when the key had one: the new value replaces it and its expiry.
    /// </summary>
    public bool Set(TKey key, TValue value, long expiresMs, out TValue replaced)
    {
        ref Entry entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, key, out bool existed);
        replaced = existed ? entry.Value : default!;
        entry = new Entry(value, expiresMs);
        _expiries.Enqueue((key, expiresMs));
        return existed;
    }

    /// <summary>Removes <paramref name="key"/> before it expires; its place in the queue goes when it comes up.</summary>
    public bool Remove(TKey key, out TValue value)
    {
        if (_entries.Remove(key, out Entry entry))
        {
            value = entry.Value;
            return true;
        }
        value = default!;
        return false;
    }

    /// <summary>Takes out the entry that expires first if it has expired by <paramref name="nowMs"/>; false when none has.</summary>
    public bool TryTakeExpired(long nowMs, out TKey key, out TValue value)
    {
        while (_expiries.TryPeek(out var next) && next.ExpiresMs <= nowMs)
        {
            _expiries.Dequeue();
            if (TryTake(next.Key, next.ExpiresMs, out value))
            {
                key = next.Key;
                return true;
            }
        }
        key = default!;
        value = default!;
        return false;
    }

    /// <summary>Takes out the entry that expires first, expired or not: room for a new one in a full map.</summary>
    public bool TryTakeOldest(out TKey key, out TValue value) => TryTakeExpired(long.MaxValue, out key, out value);

    /// <summary>Removes the entry a place in the queue stands for, unless the place is stale.</summary>
    private bool TryTake(TKey key, long expiresMs, out TValue value)
    {
        ref Entry entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, key);
        if (!Unsafe.IsNullRef(ref entry) && entry.ExpiresMs == expiresMs)
        {
            value = entry.Value;
            _entries.Remove(key);
            return true;
        }
        value = default!;
        return false;
    }

    /// <summary>Every entry with its expiry, in no particular order.</summary>
    public IEnumerable<(TKey Key, TValue Value, long ExpiresMs)> Entries()
    {
        foreach (var (key, entry) in _entries) yield return (key, entry.Value, entry.ExpiresMs);
    }
}
