using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// A verdict from the outcome API: the outcome, who gave it (<c>source</c>: <c>api</c> unless the request named one, such
/// as <c>human</c>) and why (<c>reason</c>, shown by the task API, never a label).
/// </summary>
internal sealed record ApiVerdict(Outcome Outcome, string Source, string? Reason)
{
    /// <summary>The source of an entry that names none.</summary>
    public const string DefaultSource = OutcomeSourceWord.Default;
}
