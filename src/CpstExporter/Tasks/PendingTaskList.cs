namespace CpstExporter.Tasks;

/// <summary>
/// A doubly linked list threaded through the tasks themselves (<see cref="PendingTask.Older"/>,
/// <see cref="PendingTask.Newer"/>), so that keeping tasks in deadline order costs no memory of its own and moving a
/// task to the end is O(1). A task is in at most one list at a time.
/// </summary>
/// <remarks>
/// A checkpoint walks the list a chunk at a time, releasing the task lock in between, while tasks leave the list and
/// come to its end. Its place is the last task it walked; when that task leaves, the place moves back to its older
/// neighbour, so the walk goes on where it was: it misses no task that stayed in the list, and meets again a task that
/// left and came back to the end.
/// </remarks>
internal sealed class PendingTaskList
{
    public PendingTask? Head { get; private set; }
    public PendingTask? Tail { get; private set; }

    /// <summary>The last task the walk took; null before the first (and when no walk is on).</summary>
    private PendingTask? _walked;

    /// <summary>The next task of the walk, or null at the end of the list; taken with <see cref="Walked"/>.</summary>
    public PendingTask? NextToWalk => _walked is null ? Head : _walked.Newer;

    /// <summary>Moves the walk past <paramref name="task"/>, the one <see cref="NextToWalk"/> gave.</summary>
    public void Walked(PendingTask task) => _walked = task;

    /// <summary>Starts a walk from the head, or ends one.</summary>
    public void ResetWalk() => _walked = null;

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
        if (ReferenceEquals(task, _walked)) _walked = task.Older;
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
