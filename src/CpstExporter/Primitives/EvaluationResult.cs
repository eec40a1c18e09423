namespace CpstExporter.Primitives;

/// <summary>
/// One evaluation's verdict on the task of a trace (a <c>gen_ai.evaluation.result</c> event): its name, its label
/// (<c>gen_ai.evaluation.score.label</c>) and its score (<c>gen_ai.evaluation.score.value</c>), either possibly missing.
/// </summary>
internal readonly record struct EvaluationResult(TraceId TraceId, string Name, string? Label, double? Score, string? Explanation);
