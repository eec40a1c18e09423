using CpstExporter.Primitives;

namespace CpstExporter.Conventions;

/// <summary>What one span says about its task, in the terms of DESIGN.md §3. Strings come from a <see cref="LabelValueCache"/>.</summary>
internal struct SpanFacts
{
    public TraceId TraceId;
    public ulong SpanId;
    /// <summary>0 for a root.</summary>
    public ulong ParentSpanId;
    public bool IsRoot;
    public bool StatusError;
    public ulong StartTimeUnixNano;
    public ulong EndTimeUnixNano;
    public SpanRole Role;
    /// <summary>A token count or cost outside <see cref="PlausibleRange"/>: the span is refused whole.</summary>
    public bool Implausible;

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
    public string? ToolName;

    /// <summary>An explicit cost of this span (<c>cpst.cost_usd</c>), replacing what the price table would say.</summary>
    public decimal? CallCost;
    /// <summary>An instrumentation library's own estimate (<c>gen_ai.usage.cost</c>), used only for what the table cannot price.</summary>
    public decimal? CostEstimate;
    /// <summary>An explicit cost of the whole task (root span only), replacing the sum of its spans.</summary>
    public decimal? TaskCost;
}
