using CpstExporter.Primitives;

namespace CpstExporter.Conventions;

/// <summary>What one span says about its task, in the terms of docs/conventions.md. Strings come from a <see cref="LabelValueCache"/>.</summary>
internal struct SpanFacts
{
    public TraceId TraceId;
    public ulong SpanId;
    /// <summary>0 for a root.</summary>
    public ulong ParentSpanId;
    public bool IsRoot;
    public bool StatusError;
    /// <summary>The span carries <c>error.type</c>: on a root, a failure signal (docs/conventions.md, "Outcomes").</summary>
    public bool ErrorType;
    public ulong StartTimeUnixNano;
    public ulong EndTimeUnixNano;
    public SpanRole Role;
    /// <summary>A token count outside <see cref="PlausibleRange"/>: the span is refused whole.</summary>
    public bool Implausible;
    /// <summary>Optional attributes of the span that were ignored (an implausible cost, an unknown service tier).</summary>
    public IgnoredFacts Ignored;

    /// <summary>An explicit use case (<c>cpst.use_case</c> or an operator's name), from the span or its resource.</summary>
    public string? UseCase;
    public string? AgentName;
    /// <summary>The resource's <c>service.name</c>.</summary>
    public string? ServiceName;
    public string? Environment;
    public string? Variant;
    public Outcome Outcome;

    public string? Model;
    public string? Provider;
    public TokenUsage Tokens;
    /// <summary>Cache-write tokens kept one hour: a subset of <see cref="TokenUsage.CacheWrite"/>.</summary>
    public long CacheWrite1hTokens;
    /// <summary>The tier the provider served the call at (or was asked for, when no attribute says what it served).</summary>
    public ServiceTier ServiceTier;
    public string? ToolName;

    /// <summary>An explicit cost of this span (<c>cpst.cost_usd</c>), replacing what the price table would say.</summary>
    public decimal? CallCost;
    /// <summary>An amount the span reports the call cost (<c>gen_ai.usage.cost.amount</c>), in <see cref="ReportedCostCurrency"/>.</summary>
    public decimal? ReportedCost;
    /// <summary>The ISO 4217 code of <see cref="ReportedCost"/>; null for USD.</summary>
    public string? ReportedCostCurrency;
    /// <summary>The reported amount is what the provider billed (source <c>provider</c>), not an estimate.</summary>
    public bool ReportedByProvider;
    /// <summary>An instrumentation library's own estimate (<c>gen_ai.usage.cost</c>), used only for what the table cannot price.</summary>
    public decimal? CostEstimate;
    /// <summary>An explicit cost of the whole task (root span only), replacing the sum of its spans.</summary>
    public decimal? TaskCost;
}
