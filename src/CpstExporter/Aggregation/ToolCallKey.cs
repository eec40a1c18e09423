namespace CpstExporter.Aggregation;

/// <summary>(use_case, tool) of the per-call tool metrics.</summary>
internal readonly record struct ToolCallKey(string UseCase, string Tool);
