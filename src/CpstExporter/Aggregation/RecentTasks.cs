using CpstExporter.Receiving;
using CpstExporter.Tasks;

namespace CpstExporter.Aggregation;

/// <summary>
/// The most recently finished tasks, for the task API: at most <see cref="Capacity"/> of them
/// (<c>Cpst:Tasks:RecentTasks</c>). When full, the oldest task of the use case that holds the most goes, so a busy use
/// case shares the store instead of pushing every other use case's tasks out: each keeps at least its fair share.
/// </summary>
/// <remarks>
/// Tasks live in a fixed array of slots, each use case's in a list linked through the slots, oldest first, so keeping a
/// task allocates nothing once the store is full. Use cases are kept in buckets by how many tasks they hold, so finding
/// the one that holds the most, and moving a use case to its next bucket, are O(1) however many use cases there are.
/// Queries copy what matches under the lock and sort outside it; a query scans at most <see cref="Capacity"/> tasks.
/// </remarks>
internal sealed class RecentTasks
{
    /// <summary>The default of <c>Cpst:Tasks:RecentTasks</c>: 10,000 tasks, about 4 MB.</summary>
    public const int DefaultCapacity = 10_000;

    /// <summary>The highest <c>Cpst:Tasks:RecentTasks</c> accepted: about 400 MB.</summary>
    public const int MaxCapacity = 1_000_000;

    private const int None = -1;

    private readonly Lock _lock = new();
    private readonly TaskRecord[] _tasks;
    /// <summary>Per slot: the next newer and older slot of its use case's list, or the next free slot.</summary>
    private readonly int[] _newer, _older;
    private readonly UseCaseTasks?[] _owner;
    private int _free;
    private readonly Dictionary<string, UseCaseTasks> _byUseCase = new(StringComparer.Ordinal);
    private readonly Dictionary<TraceId, int> _byTraceId;
    /// <summary>Use cases by how many tasks each holds: <c>_byCount[n]</c> holds those with n tasks (null until one did).</summary>
    private readonly List<HashSet<UseCaseTasks>?> _byCount = [];
    /// <summary>Buckets emptied, kept for the next count that needs one: there are never more than use cases.</summary>
    private readonly Stack<HashSet<UseCaseTasks>> _spareBuckets = new();
    private int _largest;
    private int _count;

    public RecentTasks(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        Capacity = capacity;
        _tasks = new TaskRecord[capacity];
        _newer = new int[capacity];
        _older = new int[capacity];
        _owner = new UseCaseTasks?[capacity];
        for (int i = 0; i < capacity; i++) _newer[i] = i + 1 < capacity ? i + 1 : None;
        _free = capacity > 0 ? 0 : None;
        _byTraceId = new Dictionary<TraceId, int>(capacity);
    }

    public int Capacity { get; }

    /// <summary>Whether tasks are kept at all: the task stage makes breakdowns only then.</summary>
    public bool Enabled => Capacity > 0;

    public int Count
    {
        get
        {
            lock (_lock) return _count;
        }
    }

    public void Add(in TaskRecord task)
    {
        if (!Enabled) return;
        lock (_lock)
        {
            // A trace finished again after the task stage forgot it: the newer task replaces the older.
            if (_byTraceId.Remove(task.TraceId, out int earlier)) Release(earlier);
            _byUseCase.TryGetValue(task.Labels.UseCase, out UseCaseTasks? useCase);
            if (_count == Capacity) Evict(useCase is not null && useCase.Count >= _largest ? useCase : First(_byCount[_largest]!));
            if (useCase is null || useCase.Count == 0)
            {
                useCase = new UseCaseTasks(task.Labels.UseCase);
                _byUseCase.Add(useCase.Name, useCase);
            }
            int slot = _free;
            _free = _newer[slot];
            _tasks[slot] = task;
            _owner[slot] = useCase;
            _older[slot] = useCase.Newest;
            _newer[slot] = None;
            if (useCase.Newest != None) _newer[useCase.Newest] = slot;
            else useCase.Oldest = slot;
            useCase.Newest = slot;
            useCase.Count++;
            _byTraceId[task.TraceId] = slot;
            _count++;
            Moved(useCase, useCase.Count - 1);
        }
    }

    public bool TryGet(TraceId traceId, out TaskRecord task)
    {
        lock (_lock)
        {
            bool found = _byTraceId.TryGetValue(traceId, out int slot);
            // The stored calls go back to their pool when the slot is freed: the caller gets a copy of its own.
            task = found ? _tasks[slot] with { Breakdown = _tasks[slot].Breakdown?.WithOwnCalls() } : default;
            return found;
        }
    }

    /// <summary>The tasks that match, in no order; the caller sorts and cuts.</summary>
    public List<TaskRecord> Where(Func<TaskRecord, bool> matches)
    {
        var found = new List<TaskRecord>();
        lock (_lock)
        {
            foreach (int slot in _byTraceId.Values)
                if (matches(_tasks[slot])) found.Add(_tasks[slot]);
        }
        return found;
    }

    /// <summary>Bucket sets held, in use or spare (for tests of their bound).</summary>
    internal int BucketSets
    {
        get
        {
            lock (_lock) return _byCount.Count(bucket => bucket is not null) + _spareBuckets.Count;
        }
    }

    /// <summary>The use cases with tasks in the store.</summary>
    public List<string> UseCases()
    {
        lock (_lock) return [.. _byUseCase.Keys];
    }

    /// <summary>Drops the oldest task of <paramref name="useCase"/>: the new task's own use case when it holds the most,
    /// so that shares stay even, else one of those that hold the most.</summary>
    private void Evict(UseCaseTasks useCase)
    {
        int oldest = useCase.Oldest;
        _byTraceId.Remove(_tasks[oldest].TraceId);
        Release(oldest);
    }

    /// <summary>Takes a slot out of its use case's list and gives it back to the free list.</summary>
    private void Release(int slot)
    {
        UseCaseTasks useCase = _owner[slot]!;
        int older = _older[slot], newer = _newer[slot];
        if (older != None) _newer[older] = newer;
        else useCase.Oldest = newer;
        if (newer != None) _older[newer] = older;
        else useCase.Newest = older;
        _tasks[slot].Breakdown?.ReturnCalls();
        _tasks[slot] = default; // no references kept to labels or breakdowns of tasks gone
        _owner[slot] = null;
        _newer[slot] = _free;
        _free = slot;
        useCase.Count--;
        _count--;
        Moved(useCase, useCase.Count + 1);
        if (useCase.Count == 0)
        {
            _byCount[0]!.Remove(useCase);
            _byUseCase.Remove(useCase.Name);
        }
    }

    /// <summary>Moves a use case from the bucket of <paramref name="from"/> tasks to that of its count now.</summary>
    private void Moved(UseCaseTasks useCase, int from)
    {
        int to = useCase.Count;
        if (from < _byCount.Count && _byCount[from] is { } left && left.Remove(useCase) && left.Count == 0 && from != 0)
        {
            // An empty bucket goes back to the spares: one use case climbing to a million tasks keeps one set, not a million.
            _byCount[from] = null;
            _spareBuckets.Push(left);
        }
        while (_byCount.Count <= to) _byCount.Add(null);
        (_byCount[to] ??= _spareBuckets.TryPop(out HashSet<UseCaseTasks>? spare) ? spare : []).Add(useCase);
        if (to > _largest) _largest = to;
        while (_largest > 0 && _byCount[_largest] is not { Count: > 0 }) _largest--;
    }

    private static UseCaseTasks First(HashSet<UseCaseTasks> set)
    {
        foreach (UseCaseTasks useCase in set) return useCase;
        throw new InvalidOperationException("no use case holds the largest count");
    }

    private sealed class UseCaseTasks(string name)
    {
        public string Name { get; } = name;
        public int Count;
        public int Oldest = None, Newest = None;
    }
}
