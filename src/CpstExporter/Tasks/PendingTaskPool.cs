using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// Finished tasks' objects and span tables, handed out again to new tasks. A pending task lives for seconds (the
/// settle time) to minutes (the outcome window): long enough to be promoted to the collector's oldest generation and
/// die there, which at hundreds of thousands of tasks a second makes full collections the main cost of the service.
/// Reused, they stay where they are. Bounded, so a burst leaves little behind. Not thread-safe: used under the task
/// lock.
/// </summary>
internal sealed class PendingTaskPool
{
    /// <summary>Most task objects kept, about 34 MB: what a sweep (a tenth of a second) finishes at up to 1.3 million tasks
    /// a second.</summary>
    public const int MaxTasks = 1 << 17;

    /// <summary>Span tables are kept by size, <see cref="SpanTable.InitialCapacity"/> × 2ⁿ; fewer of each larger size.</summary>
    private const int TableClasses = 5;
    private const int MaxTablesOfSmallest = 1 << 16;

    private readonly Stack<PendingTask> _tasks = new();
    private readonly Stack<SpanTable.Entry[]>[] _tables = Enumerable.Range(0, TableClasses).Select(_ => new Stack<SpanTable.Entry[]>()).ToArray();

    public int PooledTasks => _tasks.Count;

    public PendingTask Rent(TraceId traceId, long now, int spans)
    {
        PendingTask task;
        if (_tasks.TryPop(out PendingTask? pooled))
        {
            task = pooled;
            task.Reset(traceId, now);
        }
        else task = new PendingTask(traceId, now);
        task.Spans = new SpanTable(RentTable(spans));
        return task;
    }

    /// <summary>Takes back a finished task's object; its span table went with the finished task and comes back on its own.</summary>
    public void Return(PendingTask task)
    {
        if (_tasks.Count >= MaxTasks) return;
        task.Reset(default, 0); // drops the strings and lists it held
        _tasks.Push(task);
    }

    public void ReturnTable(in SpanTable table)
    {
        SpanTable.Entry[]? entries = table.Entries;
        if (entries is null || ClassOf(entries.Length) is not (>= 0 and var size) || entries.Length != CapacityOf(size)) return;
        if (_tables[size].Count < MaxTablesOfSmallest >> size) _tables[size].Push(entries);
    }

    private SpanTable.Entry[] RentTable(int spans)
    {
        int size = ClassOf(spans);
        if (size < 0) return new SpanTable.Entry[spans];
        return _tables[size].TryPop(out SpanTable.Entry[]? entries) ? entries : new SpanTable.Entry[CapacityOf(size)];
    }

    private static int CapacityOf(int size) => SpanTable.InitialCapacity << size;

    /// <summary>The smallest size class that holds <paramref name="spans"/>, or -1 when none does.</summary>
    private static int ClassOf(int spans)
    {
        for (int size = 0; size < TableClasses; size++)
            if (spans <= CapacityOf(size)) return size;
        return -1;
    }
}
