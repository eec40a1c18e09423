namespace CpstExporter.Pricing;

/// <summary>
/// How an LLM call's cost was found (docs/pricing.md): the <c>basis</c> label of <c>cpst_llm_cost_by_basis_usd_total</c>
/// and <c>cpst_llm_calls_by_basis_total</c>, and the task API's per-model counts. Label values in <see cref="PricingBasisLabels"/>.
/// </summary>
internal enum PricingBasis : byte
{
    /// <summary>The price table at the model's base (short-prompt) rates.</summary>
    Table = 0,
    /// <summary>The price table at a prompt-size tier above the base: the whole call at its long-context rates.</summary>
    TableLongContext = 1,
    /// <summary>What the provider billed for the call, reported on the span (<c>gen_ai.usage.cost.*</c>, source <c>provider</c>).</summary>
    ProviderReported = 2,
    /// <summary>An explicit <c>cpst.cost_usd</c> on the span.</summary>
    Explicit = 3,
    /// <summary>An instrumentation library's own estimate, used because the table has no price for the model.</summary>
    LibraryEstimate = 4,
    /// <summary>Nothing priced it: it costs 0.</summary>
    Unpriced = 5,
}
