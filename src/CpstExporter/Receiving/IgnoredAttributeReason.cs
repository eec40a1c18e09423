namespace CpstExporter.Receiving;

/// <summary>
/// Why an optional attribute of an accepted span was ignored while the span's other facts counted: the <c>reason</c>
/// label of <c>cpst_ignored_attributes_total</c> (docs/conventions.md).
/// </summary>
internal enum IgnoredAttributeReason
{
    /// <summary>A cost that is negative, not finite or above <c>Cpst:Limits:MaxCostUsdPerSpan</c>: the next pricing rule applies.</summary>
    ImplausibleCost = 0,
    /// <summary>A provider-reported amount in a currency without an exchange rate: the price table prices the call.</summary>
    UnknownCurrency = 1,
    /// <summary>A service tier the conventions do not know: the call is priced at standard.</summary>
    UnknownServiceTier = 2,
    /// <summary>
    /// A span event named <c>gen_ai.evaluation.result</c> that carries no usable evaluation (no name, no score, a score
    /// that is not a number, a name or label too long): the span counts, the event is ignored.
    /// </summary>
    InvalidEvaluationEvent = 3,
}
