namespace CpstExporter.Pricing;

/// <summary>
/// The rates a price file gives for one set (an entry's base, a prompt tier, a service tier), each possibly absent.
/// A set above the base takes what it does not give from the base's given rates; what neither gives is derived within
/// the set: cache reads and writes at its input rate, 1-hour writes at its write rate, reasoning at its output rate.
/// </summary>
internal readonly record struct PartialRates(
    decimal? Input, decimal? Output, decimal? CacheRead, decimal? CacheWrite, decimal? CacheWrite1h, decimal? Reasoning)
{
    /// <summary>This set with what it lacks taken from <paramref name="under"/>: a prompt tier's given rates over the base's,
    /// which the tier's own service tiers take what they lack from.</summary>
    public PartialRates Over(in PartialRates under) => new(
        Input ?? under.Input, Output ?? under.Output, CacheRead ?? under.CacheRead, CacheWrite ?? under.CacheWrite,
        CacheWrite1h ?? under.CacheWrite1h, Reasoning ?? under.Reasoning);

    /// <summary>The full rates, with what this set lacks from <paramref name="under"/> (the base's given rates), then derived.</summary>
    public TokenRates Resolve(in PartialRates under = default)
    {
        decimal input = Input ?? under.Input ?? 0m;
        decimal output = Output ?? under.Output ?? 0m;
        decimal cacheWrite = CacheWrite ?? under.CacheWrite ?? input;
        return new TokenRates(input, output, CacheRead ?? under.CacheRead ?? input, cacheWrite,
            CacheWrite1h ?? under.CacheWrite1h ?? cacheWrite, Reasoning ?? under.Reasoning ?? output);
    }
}
