namespace CpstExporter.Tasks;

/// <summary>
/// Where an outcome came from. On a pending task (<see cref="PendingTask.OutcomeSource"/>) only the spans' signals are
/// kept, a root's beating another span's (<see cref="Api"/> there only in state files before version 5); on a finished
/// task it is the signal that decided its outcome (docs/operations.md, "How success is decided"), <see cref="None"/> when none
/// did and the task finished <c>unknown</c>.
/// </summary>
internal enum OutcomeSource : byte
{
    None = 0,
    Span = 1,
    Root = 2,
    /// <summary>The outcome API: an explicit verdict such as a human review.</summary>
    Api = 3,
    /// <summary>The root's status ERROR or its <c>error.type</c>.</summary>
    Error = 4,
    /// <summary>An evaluation's verdict (<see cref="Primitives.EvaluationResult"/>).</summary>
    Evaluation = 5,
}
