namespace CpstExporter.Aggregation;

/// <summary>The values of one <see cref="TaskSeries"/>: its five task counters and the cost exemplar.</summary>
internal readonly record struct TaskValues(
    long Tasks, decimal CostUsd, long LlmCalls, long ToolCalls, long InputTokens, long OutputTokens, Exemplar CostExemplar);
