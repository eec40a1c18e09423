namespace CpstExporter.Tasks;

/// <summary>An evaluation of a finished task as counted and listed: its name, whether it passed, its score.</summary>
internal readonly record struct EvaluationOutcome(string Name, bool Passed, double? Score);
