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
/// task allocates nothing once the store is full. Use cases are kept in lists by how many tasks they hold, so finding
/// the one that holds the most, and moving a use case to its next count, are O(1) however many use cases there are. In
/// the steady state a full store's new task takes the slot of its own use case's oldest: nothing moves but two links.
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
    /// <summary>Use cases by how many tasks each holds: <c>_byCount[n]</c> heads the list of those with n tasks, linked
    /// through the use cases themselves, so moving one to the next count hashes nothing and allocates nothing.</summary>
    private readonly List<UseCaseTasks?> _byCount = [];
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
            if (_count == Capacity)
            {
                if (useCase is not null && useCase.Count >= _largest)
                {
                    Recycle(useCase, in task);
                    return;
                }
                Evict(_byCount[_largest]!);
            }
            if (useCase is null)
            {
                useCase = new UseCaseTasks(task.Labels.UseCase);
                _byUseCase.Add(useCase.Name, useCase);
            }
            int slot = _free;
            _free = _newer[slot];
            _tasks[slot] = task;
            _owner[slot] = useCase;
            Append(useCase, slot);
            _byTraceId[task.TraceId] = slot;
            useCase.Count++;
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

    /// <summary>The use cases with tasks in the store.</summary>
    public List<string> UseCases()
    {
        lock (_lock) return [.. _byUseCase.Keys];
    }

    /// <summary>The new task of a full store whose use case holds the most takes the slot of that use case's oldest:
    /// its share stays even, and no count changes.</summary>
    private void Recycle(UseCaseTasks useCase, in TaskRecord task)
    {
        int slot = useCase.Oldest;
        _byTraceId.Remove(_tasks[slot].TraceId);
        _tasks[slot].Breakdown?.ReturnCalls();
        Unlink(useCase, slot);
        _tasks[slot] = task;
        Append(useCase, slot);
        _byTraceId[task.TraceId] = slot;
    }

    /// <summary>Drops the oldest task of one of the use cases that hold the most.</summary>
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
        Unlink(useCase, slot);
        _tasks[slot].Breakdown?.ReturnCalls();
        _tasks[slot] = default; // no references kept to labels or breakdowns of tasks gone
        _owner[slot] = null;
        _newer[slot] = _free;
        _free = slot;
        useCase.Count--;
        _count--;
        Moved(useCase, useCase.Count + 1);
        if (useCase.Count == 0) _byUseCase.Remove(useCase.Name);
    }

    private void Append(UseCaseTasks useCase, int slot)
    {
        _older[slot] = useCase.Newest;
        _newer[slot] = None;
        if (useCase.Newest != None) _newer[useCase.Newest] = slot;
        else useCase.Oldest = slot;
        useCase.Newest = slot;
    }

    private void Unlink(UseCaseTasks useCase, int slot)
    {
        int older = _older[slot], newer = _newer[slot];
        if (older != None) _newer[older] = newer;
        else useCase.Oldest = newer;
        if (newer != None) _older[newer] = older;
        else useCase.Newest = older;
    }

    /// <summary>Moves a use case from the list of those with <paramref name="from"/> tasks to that of its count now
    /// (none at zero).</summary>
    private void Moved(UseCaseTasks useCase, int from)
    {
        if (from > 0)
        {
            if (useCase.NextByCount is { } next) next.PreviousByCount = useCase.PreviousByCount;
            if (useCase.PreviousByCount is { } previous) previous.NextByCount = useCase.NextByCount;
            else _byCount[from] = useCase.NextByCount;
            useCase.PreviousByCount = useCase.NextByCount = null;
        }
        int to = useCase.Count;
        if (to > 0)
        {
            while (_byCount.Count <= to) _byCount.Add(null);
            useCase.NextByCount = _byCount[to];
            if (_byCount[to] is { } head) head.PreviousByCount = useCase;
            _byCount[to] = useCase;
        }
        if (to > _largest) _largest = to;
        while (_largest > 0 && _byCount[_largest] is null) _largest--;
    }

    private sealed class UseCaseTasks(string name)
    {
        public string Name { get; } = name;
        public int Count;
        public int Oldest = None, Newest = None;
        /// <summary>The neighbours in the list of use cases that hold as many tasks.</summary>
        public UseCaseTasks? PreviousByCount, NextByCount;
    }
}
