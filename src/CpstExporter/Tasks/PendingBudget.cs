namespace CpstExporter.Tasks;

/// <summary>
/// The pending tasks of all partitions against <see cref="TaskOptions.MaxPending"/>. A partition that adds a task at
/// the limit finishes its own oldest first, so the limit holds to within one task per partition.
/// </summary>
internal sealed class PendingBudget(int maxPending)
{
    private int _pending;

    public int Pending => Volatile.Read(ref _pending);

    public bool IsFull => Volatile.Read(ref _pending) >= maxPending;

    public void Added() => Interlocked.Increment(ref _pending);

    public void Removed() => Interlocked.Decrement(ref _pending);
}
