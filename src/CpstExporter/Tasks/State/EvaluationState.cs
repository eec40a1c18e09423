namespace CpstExporter.Tasks.State;

/// <summary>An evaluation kept on a pending task or for a trace not seen yet (<see cref="EvaluationVerdict"/>). Since version 5.</summary>
internal sealed record EvaluationState(string Name, bool LabelPasses, double? Score);
