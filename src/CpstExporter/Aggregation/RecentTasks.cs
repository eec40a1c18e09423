using CpstExporter.Receiving;
using CpstExporter.Tasks;

namespace CpstExporter.Aggregation;

/// <summary>
/// The most recently finished tasks, for the task API: at most <see cref="Capacity"/> of them
/// (<c>Cpst:Tasks:RecentTasks</c>). When full, the oldest task of the use case that holds the most goes, so a busy use
/// case shares the store instead of pushing every other use case's tasks out: each keeps at least its fair share.
/// </summary>
/// <remarks>
/// Use cases are kept in buckets by how many tasks they hold, so finding the one that holds the most, and moving a use
/// case to its next bucket, are O(1) however many use cases there are. Queries copy what matches under the lock and
/// sort outside it; a query scans at most <see cref="Capacity"/> tasks.
/// </remarks>
internal sealed class RecentTasks
{
    /// <summary>The default of <c>Cpst:Tasks:RecentTasks</c>: 10,000 tasks, about 4 MB.</summary>
    public const int DefaultCapacity = 10_000;

    /// <summary>The highest <c>Cpst:Tasks:RecentTasks</c> accepted: about 400 MB.</summary>
    public const int MaxCapacity = 1_000_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, UseCaseTasks> _byUseCase = new(StringComparer.Ordinal);
    private readonly Dictionary<TraceId, LinkedListNode<TaskRecord>> _byTraceId = new();
    /// <summary>Use cases by how many tasks each holds: <c>_byCount[n]</c> holds those with n tasks (null while none does).</summary>
    private readonly List<HashSet<UseCaseTasks>?> _byCount = [];
    private int _largest;
    private int _count;

    public RecentTasks(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        Capacity = capacity;
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
            if (_byTraceId.Remove(task.TraceId, out LinkedListNode<TaskRecord>? earlier)) Remove(_byUseCase[earlier.Value.Labels.UseCase], earlier);
            _byUseCase.TryGetValue(task.Labels.UseCase, out UseCaseTasks? useCase);
            if (_count == Capacity) Evict(useCase is not null && useCase.Tasks.Count >= _largest ? useCase : First(_byCount[_largest]!));
            if (useCase is null || useCase.Tasks.Count == 0)
            {
                useCase = new UseCaseTasks(task.Labels.UseCase);
                _byUseCase.Add(useCase.Name, useCase);
            }
            _byTraceId[task.TraceId] = useCase.Tasks.AddLast(task);
            _count++;
            Moved(useCase, useCase.Tasks.Count - 1);
        }
    }

    public bool TryGet(TraceId traceId, out TaskRecord task)
    {
        lock (_lock)
        {
            bool found = _byTraceId.TryGetValue(traceId, out LinkedListNode<TaskRecord>? node);
            task = found ? node!.Value : default;
            return found;
        }
    }

    /// <summary>The tasks that match, in no order; the caller sorts and cuts.</summary>
    public List<TaskRecord> Where(Func<TaskRecord, bool> matches)
    {
        var found = new List<TaskRecord>();
        lock (_lock)
        {
            foreach (UseCaseTasks useCase in _byUseCase.Values)
                foreach (TaskRecord task in useCase.Tasks)
                    if (matches(task)) found.Add(task);
        }
        return found;
    }

    /// <summary>The use cases with tasks in the store.</summary>
    public List<string> UseCases()
    {
        lock (_lock) return [.. _byUseCase.Keys];
    }

    /// <summary>Drops the oldest task of <paramref name="useCase"/>: the task's own use case when it holds the most, so
    /// that shares stay even, else one of those that hold the most.</summary>
    private void Evict(UseCaseTasks useCase)
    {
        LinkedListNode<TaskRecord> oldest = useCase.Tasks.First!;
        _byTraceId.Remove(oldest.Value.TraceId);
        Remove(useCase, oldest);
    }

    private void Remove(UseCaseTasks useCase, LinkedListNode<TaskRecord> node)
    {
        useCase.Tasks.Remove(node);
        _count--;
        Moved(useCase, useCase.Tasks.Count + 1);
        if (useCase.Tasks.Count == 0)
        {
            _byCount[0]!.Remove(useCase);
            _byUseCase.Remove(useCase.Name);
        }
    }

    /// <summary>Moves a use case from the bucket of <paramref name="from"/> tasks to that of its count now.</summary>
    private void Moved(UseCaseTasks useCase, int from)
    {
        int to = useCase.Tasks.Count;
        if (from < _byCount.Count) _byCount[from]?.Remove(useCase);
        while (_byCount.Count <= to) _byCount.Add(null);
        (_byCount[to] ??= []).Add(useCase);
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
        public LinkedList<TaskRecord> Tasks { get; } = new();
    }
}
