namespace CpstExporter.Aggregation;

/// <summary>(use_case, evaluation, result) of <c>cpst_evaluations_total</c>.</summary>
internal readonly record struct EvaluationKey(string UseCase, string Evaluation, string Result);
