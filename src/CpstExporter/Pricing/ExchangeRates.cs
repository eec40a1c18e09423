namespace CpstExporter.Pricing;

/// <summary>
/// USD per unit of other currencies (<c>Cpst:Pricing:ExchangeRates:&lt;ISO 4217 code&gt;</c>), for amounts that spans
/// report in them. USD is always 1; a currency without a rate converts to nothing.
/// </summary>
internal sealed class ExchangeRates
{
    public static readonly ExchangeRates UsdOnly = new(new Dictionary<string, decimal>());

    private readonly Dictionary<string, decimal> _usdPerUnit;

    public ExchangeRates(IReadOnlyDictionary<string, decimal> usdPerUnit)
    {
        _usdPerUnit = new Dictionary<string, decimal>(usdPerUnit, StringComparer.OrdinalIgnoreCase) { ["USD"] = 1m };
    }

    public IReadOnlyDictionary<string, decimal> Rates => _usdPerUnit;

    /// <summary>The amount in USD; false when the currency has no rate. A null currency is USD.</summary>
    public bool TryToUsd(decimal amount, string? currency, out decimal usd)
    {
        if (currency is null)
        {
            usd = amount;
            return true;
        }
        if (_usdPerUnit.TryGetValue(currency, out decimal rate))
        {
            usd = rate == 1m ? amount : Primitives.Saturating.Multiply(amount, rate);
            return true;
        }
        usd = 0;
        return false;
    }
}
