
namespace CpstExporter.Tasks.State;

/// <summary>A tool's share of a task, for the tools after the first.</summary>
internal sealed record ToolShareState(string Tool, decimal CostUsd, int Calls);
