
namespace CpstExporter.Conventions;

/// <summary>The facts the conventions of DESIGN.md §3 extract from attributes.</summary>
internal enum Fact : byte
{
    /// <summary>An explicit use case: <c>cpst.use_case</c> or an operator's name for it.</summary>
    UseCase,
    AgentName,
    ServiceName,
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
    /// <summary><c>gen_ai.operation.name</c>.</summary>
    Operation,
    /// <summary><c>ai.operationId</c> of the Vercel AI SDK.</summary>
    VercelOperation,
    ToolName,
    OpenInferenceKind,
    TraceloopKind,
    /// <summary>An explicit cost of the span (<c>cpst.cost_usd</c>): always wins.</summary>
    CallCost,
    /// <summary>An instrumentation library's own estimate (<c>gen_ai.usage.cost</c>): only where the price table has no price.</summary>
    CostEstimate,
    TaskCost,
}
