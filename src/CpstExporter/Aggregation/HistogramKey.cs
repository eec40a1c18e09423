using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary>(use_case, outcome) of the task cost histogram.</summary>
internal readonly record struct HistogramKey(string UseCase, Outcome Outcome);
