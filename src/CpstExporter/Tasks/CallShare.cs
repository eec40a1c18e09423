using CpstExporter.Conventions;

namespace CpstExporter.Tasks;

/// <summary>The calls of one model (<see cref="SpanRole.Llm"/>) or one tool (<see cref="SpanRole.Tool"/>) within a task.</summary>
internal readonly record struct CallShare(SpanRole Role, string Name, int Calls, long InputTokens, long OutputTokens, decimal CostUsd);
