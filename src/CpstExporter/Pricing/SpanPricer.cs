using CpstExporter.Conventions;
using CpstExporter.Primitives;

namespace CpstExporter.Pricing;

/// <summary>
/// The pricing policy of DESIGN.md §3/§4, one price-table lookup per span: an explicit <c>cpst.cost_usd</c> always
/// wins; else the price table; else a library's own estimate (<c>gen_ai.usage.cost</c>), which prices only what the
/// operator's table cannot; else 0, and an LLM call with tokens is then unpriced. Spans that are neither LLM nor tool
/// calls cost only what they state explicitly.
/// </summary>
internal static class SpanPricer
{
    private const string Unknown = "unknown";

    public static CallPrice Price(PriceTable table, in SpanFacts span)
    {
        if (span.CallCost is decimal explicitCost) return new CallPrice(explicitCost, Unpriced: false);
        switch (span.Role)
        {
            case SpanRole.Llm:
                if (table.FindModel(span.Model ?? Unknown, span.Provider) is ModelPrice price) return new CallPrice(price.Cost(span.Tokens), false);
                if (span.CostEstimate is decimal estimate) return new CallPrice(estimate, false);
                return new CallPrice(0m, Unpriced: !span.Tokens.IsEmpty);
            case SpanRole.Tool:
                return new CallPrice(table.FindTool(span.ToolName ?? Unknown) ?? span.CostEstimate ?? 0m, false);
            default:
                return default;
        }
    }
}
