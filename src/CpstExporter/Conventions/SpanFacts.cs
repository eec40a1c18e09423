using CpstExporter.Receiving;

namespace CpstExporter.Conventions;

/// <summary>What one span says about its task, in the terms of DESIGN.md §3. Strings come from a <see cref="LabelValueCache"/>.</summary>
internal struct SpanFacts
{
    public TraceId TraceId;
    public bool IsRoot;
    public bool StatusError;
    public ulong EndTimeUnixNano;
    public SpanRole Role;

    /// <summary>Null when neither the span nor its resource names one.</summary>
    public string? UseCase;
    /// <summary>Rank of the attribute <see cref="UseCase"/> came from: 0 <c>cpst.use_case</c>, 1 <c>gen_ai.agent.name</c>, 2 resource <c>service.name</c>.</summary>
    public int UseCaseRank;
    public string? Environment;
    public string? Variant;
    public Outcome Outcome;

    public string? Model;
    public string? Provider;
    public TokenUsage Tokens;
    public string? ToolName;

    /// <summary>An explicit cost of this span, replacing what the price table would say.</summary>
    public decimal? CallCost;
    /// <summary>An explicit cost of the whole task (root span only), replacing the sum of its spans.</summary>
    public decimal? TaskCost;
}
