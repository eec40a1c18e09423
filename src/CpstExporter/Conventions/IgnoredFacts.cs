namespace CpstExporter.Conventions;

/// <summary>Optional attributes of a span that the conventions ignored; the span's other facts count (docs/conventions.md).</summary>
[Flags]
internal enum IgnoredFacts : byte
{
    None = 0,
    /// <summary>A cost (call, estimate, reported or task cost) that is negative, not finite or above the plausible maximum.</summary>
    ImplausibleCost = 1,
    /// <summary>A service tier the conventions do not know: the call is priced at standard.</summary>
    UnknownServiceTier = 2,
}
