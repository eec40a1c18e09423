namespace CpstExporter.Tasks;

/// <summary>A model's share of a task; tokens of the models after the first (the first's are the task's less theirs).</summary>
internal sealed record ModelShareState(string Model, decimal CostUsd, int Calls, long InputTokens = 0, long OutputTokens = 0);
