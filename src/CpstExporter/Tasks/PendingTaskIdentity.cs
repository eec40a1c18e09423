using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// Pending tasks are equal when their trace ids are, and can be looked up by a trace id alone. This lets the
/// assembler keep them in a set rather than a dictionary from trace id to task: the task holds its own trace id, so
/// a dictionary would store it twice, and its entries are 16 bytes larger than a set's.
/// </summary>
internal sealed class PendingTaskIdentity : IEqualityComparer<PendingTask>, IAlternateEqualityComparer<TraceId, PendingTask>
{
    public static readonly PendingTaskIdentity Instance = new();

    public bool Equals(PendingTask? x, PendingTask? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.TraceId == y.TraceId);

    public int GetHashCode(PendingTask task) => task.TraceId.GetHashCode();

    public bool Equals(TraceId alternate, PendingTask other) => alternate == other.TraceId;

    public int GetHashCode(TraceId alternate) => alternate.GetHashCode();

    /// <summary>Not used: a task is made by the assembler, with the time it was first seen.</summary>
    public PendingTask Create(TraceId alternate) => throw new NotSupportedException("pending tasks are added whole, not created from a trace id");
}
