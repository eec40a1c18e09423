namespace CpstExporter.Tasks;

/// <summary>
/// A doubly linked list threaded through the tasks themselves (<see cref="PendingTask.Older"/>,
/// <see cref="PendingTask.Newer"/>), so that keeping tasks in deadline order costs no memory of its own and moving a
/// task to the end is O(1). A task is in at most one list at a time.
/// </summary>
internal sealed class PendingTaskList
{
    public PendingTask? Head { get; private set; }
    public PendingTask? Tail { get; private set; }

    public void AddLast(PendingTask task)
    {
        task.Older = Tail;
        task.Newer = null;
        if (Tail is not null) Tail.Newer = task;
        else Head = task;
        Tail = task;
    }

    /// <summary>
    /// Inserts <paramref name="task"/> after the last task whose <paramref name="key"/> is not larger, searching back
    /// from the end: for tasks read back from the state file, which are inserted in key order.
    /// </summary>
    public void InsertOrdered(PendingTask task, Func<PendingTask, long> key)
    {
        PendingTask? after = Tail;
        long value = key(task);
        while (after is not null && key(after) > value) after = after.Older;
        task.Older = after;
        task.Newer = after is null ? Head : after.Newer;
        if (task.Newer is not null) task.Newer.Older = task;
        else Tail = task;
        if (after is not null) after.Newer = task;
        else Head = task;
    }

    public void Remove(PendingTask task)
    {
        if (task.Older is not null) task.Older.Newer = task.Newer;
        else Head = task.Newer;
        if (task.Newer is not null) task.Newer.Older = task.Older;
        else Tail = task.Older;
        task.Older = task.Newer = null;
    }

    /// <summary>Oldest first.</summary>
    public IEnumerable<PendingTask> All()
    {
        for (PendingTask? task = Head; task is not null; task = task.Newer) yield return task;
    }
}
