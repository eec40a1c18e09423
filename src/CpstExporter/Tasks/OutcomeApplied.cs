namespace CpstExporter.Tasks;

/// <summary>What became of an outcome sent through the outcome API.</summary>
internal enum OutcomeApplied : byte
{
    /// <summary>The task was pending and now has this outcome.</summary>
    Applied,
    /// <summary>No span of the trace seen yet: held for the outcome window.</summary>
    Held,
    /// <summary>The task already finished: counted, changes nothing.</summary>
    Late,
    /// <summary>Not seen yet and the holding area is full: dropped and counted.</summary>
    Dropped,
}
