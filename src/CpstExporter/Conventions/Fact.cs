
namespace CpstExporter.Conventions;

/// <summary>The facts the conventions of docs/conventions.md extract from attributes.</summary>
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
    /// <summary>Cache-write tokens kept one hour: a subset of the cache-write tokens, priced at <c>cache_write_1h</c>.</summary>
    CacheWrite1hTokens,
    /// <summary>The served service tier, else the requested one, else <c>cpst.service_tier</c>.</summary>
    ServiceTier,
    /// <summary><c>gen_ai.usage.cost.amount</c>: what the call cost, in <see cref="ReportedCostCurrency"/>.</summary>
    ReportedCost,
    ReportedCostCurrency,
    /// <summary><c>provider</c>: the amount is what the provider billed; <c>local</c> or none: an estimate.</summary>
    ReportedCostSource,
    /// <summary><c>gen_ai.operation.name</c>.</summary>
    Operation,
    /// <summary><c>ai.operationId</c> of the Vercel AI SDK.</summary>
    VercelOperation,
    ToolName,
    OpenInferenceKind,
    TraceloopKind,
    /// <summary><c>error.type</c>: the operation failed, and of what kind.</summary>
    ErrorType,
    /// <summary>An explicit cost of the span (<c>cpst.cost_usd</c>): always wins.</summary>
    CallCost,
    /// <summary>An instrumentation library's own estimate (<c>gen_ai.usage.cost</c>): only where the price table has no price.</summary>
    CostEstimate,
    TaskCost,
}
