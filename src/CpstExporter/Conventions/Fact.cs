namespace CpstExporter.Conventions;

/// <summary>The facts the conventions of DESIGN.md §3 extract from attributes.</summary>
internal enum Fact : byte
{
    UseCase,
    Environment,
    Variant,
    Outcome,
    Model,
    Provider,
    InputTokens,
    OutputTokens,
    CacheReadTokens,
    CacheWriteTokens,
    ReasoningTokens,
    Operation,
    ToolName,
    OpenInferenceKind,
    CallCost,
    TaskCost,
}
