using CpstExporter.Primitives;
using CpstExporter.Tasks;

namespace CpstExporter.Aggregation;

/// <summary>
/// The most recently finished tasks, for the task API: at most <see cref="Capacity"/> of them
/// (<c>Cpst:Tasks:RecentTasks</c>). When full, the oldest task of the use case that holds the most goes, so a busy use
/// case shares the store instead of pushing every other use case's tasks out: each keeps at least its fair share.
/// </summary>
/// <remarks>
/// <para>Every finished task passes through here, so keeping one touches as little memory as it can: the new task
/// takes the slot of the task that goes, whose record is overwritten, not read; what is read of the old slot is its
/// links, 24 bytes. Tasks live in a fixed array of slots, each use case's in a list linked through the slots, oldest
/// first, so keeping a task allocates nothing once the store is full. Use cases are kept in lists by how many tasks they
/// hold, so finding the one that holds the most, and moving a use case to its next count, are O(1) however many use
/// cases there are.</para>
/// <para>There is no index by trace id, which would cost every task two lookups in a table as large as the store:
/// queries scan the store under the lock (10,000 tasks in well under a millisecond) and sort outside it. A trace that
/// finishes again after the task stage forgot it is kept again; queries see only its newest task.</para>
/// </remarks>
internal sealed class RecentTasks
{
    /// <summary>The highest capacity: <see cref="TaskOptions.MaxRecentTasks"/>.</summary>
    public const int MaxCapacity = TaskOptions.MaxRecentTasks;

    private const int None = -1;

    private readonly Lock _lock = new();
    private readonly TaskRecord[] _tasks;
    private readonly Links[] _links;
    private readonly Dictionary<string, UseCaseTasks> _byUseCase = new(StringComparer.Ordinal);
    /// <summary>Use cases by how many tasks each holds: <c>_byCount[n]</c> heads the list of those with n tasks, linked
    /// through the use cases themselves, so moving one to the next count hashes nothing and allocates nothing.</summary>
    private readonly List<UseCaseTasks?> _byCount = [null];
    private int _largest;
    /// <summary>Slots in use: until the store is full, the next free slot is this one.</summary>
    private int _count;
    /// <summary>Tasks kept so far: the newer of two tasks of one trace is the one kept later.</summary>
    private long _kept;

    public RecentTasks(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        Capacity = capacity;
        _tasks = new TaskRecord[capacity];
        _links = new Links[capacity];
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
            _byUseCase.TryGetValue(task.Labels.UseCase, out UseCaseTasks? useCase);
            int slot;
            if (_count < Capacity) slot = _count++;
            else
            {
                UseCaseTasks evicted = useCase is not null && useCase.Count >= _largest ? useCase : _byCount[_largest]!;
                slot = TakeOldest(evicted);
                if (evicted == useCase)
                {
                    // Its own use case holds the most: the task takes the slot of its oldest, and no count changes.
                    Keep(useCase, slot, in task);
                    return;
                }
                Counted(evicted, -1);
            }
            if (useCase is null)
            {
                useCase = new UseCaseTasks(task.Labels.UseCase);
                _byUseCase.Add(useCase.Name, useCase);
            }
            Keep(useCase, slot, in task);
            Counted(useCase, +1);
        }
    }

    /// <summary>The newest task of a trace, with its calls in an array of the caller's own.</summary>
    public bool TryGet(TraceId traceId, out TaskRecord task)
    {
        lock (_lock)
        {
            int found = None;
            for (int slot = 0; slot < _count; slot++)
                if (_tasks[slot].TraceId == traceId && (found == None || IsNewer(slot, found))) found = slot;
            // The stored calls go back to their pool when the slot is taken: the caller gets a copy of its own.
            task = found != None ? _tasks[found] with { Breakdown = _tasks[found].Breakdown?.WithOwnCalls() } : default;
            return found != None;
        }
    }

    /// <summary>The tasks that match, newest of each trace, in no order; the caller sorts and cuts.</summary>
    public List<TaskRecord> Where(Func<TaskRecord, bool> matches)
    {
        var newest = new Dictionary<TraceId, int>();
        var found = new List<TaskRecord>();
        lock (_lock)
        {
            for (int slot = 0; slot < _count; slot++)
                if (!newest.TryGetValue(_tasks[slot].TraceId, out int other) || IsNewer(slot, other)) newest[_tasks[slot].TraceId] = slot;
            foreach (int slot in newest.Values)
                if (matches(_tasks[slot])) found.Add(_tasks[slot]);
        }
        return found;
    }

    /// <summary>The use cases with tasks in the store.</summary>
    public List<string> UseCases()
    {
        lock (_lock) return [.. _byUseCase.Keys];
    }

    private bool IsNewer(int slot, int than) => _links[slot].Sequence > _links[than].Sequence;

    private void Keep(UseCaseTasks useCase, int slot, in TaskRecord task)
    {
        _tasks[slot] = task;
        ref Links links = ref _links[slot];
        links.Calls = task.Breakdown?.AllCalls;
        links.Sequence = ++_kept;
        links.Older = useCase.Newest;
        links.Newer = None;
        if (useCase.Newest != None) _links[useCase.Newest].Newer = slot;
        else useCase.Oldest = slot;
        useCase.Newest = slot;
    }

    /// <summary>Takes the oldest task of <paramref name="useCase"/> out of its list and its calls back to their pool;
    /// returns its slot, for the caller to overwrite.</summary>
    private int TakeOldest(UseCaseTasks useCase)
    {
        int slot = useCase.Oldest;
        ref Links links = ref _links[slot];
        useCase.Oldest = links.Newer;
        if (links.Newer != None) _links[links.Newer].Older = None;
        else useCase.Newest = None;
        if (links.Calls is not null) CallShare.Pool.Return(links.Calls, clearArray: true);
        links.Calls = null;
        return slot;
    }

    /// <summary>Changes a use case's count by one and moves it to the list of its new count; one with none is dropped.</summary>
    private void Counted(UseCaseTasks useCase, int change)
    {
        int from = useCase.Count, to = from + change;
        useCase.Count = to;
        if (from > 0)
        {
            if (useCase.NextByCount is { } next) next.PreviousByCount = useCase.PreviousByCount;
            if (useCase.PreviousByCount is { } previous) previous.NextByCount = useCase.NextByCount;
            else _byCount[from] = useCase.NextByCount;
            useCase.PreviousByCount = useCase.NextByCount = null;
        }
        if (to > 0)
        {
            while (_byCount.Count <= to) _byCount.Add(null);
            useCase.NextByCount = _byCount[to];
            if (_byCount[to] is { } head) head.PreviousByCount = useCase;
            _byCount[to] = useCase;
        }
        else _byUseCase.Remove(useCase.Name);
        if (to > _largest) _largest = to;
        while (_largest > 0 && _byCount[_largest] is null) _largest--;
    }

    /// <summary>Per slot, what taking it needs: its neighbours in its use case's list and the pooled calls of its task;
    /// and when it was kept.</summary>
    private struct Links
    {
        public int Older, Newer;
        public CallShare[]? Calls;
        public long Sequence;
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
