namespace CpstExporter.Aggregation;

/// <summary>(use_case, source, outcome) of <c>cpst_outcomes_by_source_total</c>.</summary>
internal readonly record struct OutcomeSourceKey(string UseCase, string Source, string Outcome);
