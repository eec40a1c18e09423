using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>The labels a finished task is counted under (docs/reference.md, "Metrics").</summary>
internal readonly record struct TaskLabels(string UseCase, Outcome Outcome, string Model, string Environment, string Variant);
