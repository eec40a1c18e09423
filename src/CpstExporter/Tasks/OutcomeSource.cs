namespace CpstExporter.Tasks;

/// <summary>Where a pending task's outcome came from; a stronger source replaces a weaker one.</summary>
internal enum OutcomeSource : byte
{
    None = 0,
    Span = 1,
    Root = 2,
    /// <summary>The outcome API: an explicit verdict such as a human review, so it beats what the agent reported.</summary>
    Api = 3,
}
