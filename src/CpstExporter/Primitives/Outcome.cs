namespace CpstExporter.Primitives;

/// <summary>A task's outcome. <see cref="Unknown"/> is also "no signal yet" while the task is pending.</summary>
internal enum Outcome : byte
{
    Unknown = 0,
    Success = 1,
    Failure = 2,
}
