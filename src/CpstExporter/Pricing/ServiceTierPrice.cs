namespace CpstExporter.Pricing;

/// <summary>
/// A price entry's price for one served service tier (<c>service_tiers.&lt;tier&gt;</c>): rates of its own, or a factor on
/// the rates of the prompt tier the call reaches (docs/pricing.md).
/// </summary>
internal sealed class ServiceTierPrice
{
    private ServiceTierPrice(TokenRates? rates, decimal factor)
    {
        Rates = rates;
        Factor = factor;
    }

    /// <summary>The tier's own rates; null for a factor.</summary>
    public TokenRates? Rates { get; }

    /// <summary>The factor on the prompt tier's rates; 1 where the tier has rates of its own.</summary>
    public decimal Factor { get; }

    public bool IsFactor => Rates is null;

    public static ServiceTierPrice OfRates(TokenRates rates) => new(rates, 1m);

    public static ServiceTierPrice OfFactor(decimal factor) => new(null, factor);
}
