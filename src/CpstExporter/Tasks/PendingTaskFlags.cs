namespace CpstExporter.Tasks;

/// <summary>A pending task's yes-or-no state and its use case's rank, in one byte of the task (see <see cref="PendingTask"/>).</summary>
[Flags]
internal enum PendingTaskFlags : byte
{
    UseCaseFinal = 1,
    CallsCounted = 2,
    EnvironmentFromRoot = 4,
    VariantFromRoot = 8,
    RootError = 16,
    /// <summary>Three bits for <see cref="PendingTask.UseCaseRank"/>, 0 to 6; all set while no span named a use case.</summary>
    UseCaseRank = 0b1110_0000,
}
