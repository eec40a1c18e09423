namespace CpstExporter.Primitives;

/// <summary>
/// The service tier a provider served an LLM call at (docs/pricing.md): the <c>service_tier</c> label of the by-basis
/// metrics and what selects a price entry's <c>service_tiers</c> rates. Spellings a library writes are mapped to these in
/// the conventions; the label values are <see cref="ServiceTierLabels"/>.
/// </summary>
internal enum ServiceTier : byte
{
    /// <summary>The list price: <c>default</c>, <c>auto</c>, <c>standard</c>, <c>on_demand</c>, or no tier said.</summary>
    Standard = 0,
    Batch = 1,
    Flex = 2,
    Priority = 3,
}
