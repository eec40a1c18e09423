using CpstExporter.Pricing;

namespace CpstExporter.Billing.CostApi;

/// <summary>What differs between the providers' cost APIs: the request and the shape and units of a page.</summary>
internal interface ICostApi
{
    BillingSource Source { get; }

    /// <summary>The provider of the amounts, as the exporter names it (<c>openai</c>, <c>anthropic</c>).</summary>
    string Provider { get; }

    /// <summary>The provider as a person reads it, for messages.</summary>
    string Name { get; }

    /// <summary>The request of one page of <paramref name="month"/>, daily buckets grouped by account; <paramref name="page"/> is the cursor, null for the first.</summary>
    HttpRequestMessage Request(CostApiEndpointOptions endpoint, string key, BillingMonth month, string? page);

    /// <summary>Adds a page's amounts to <paramref name="totals"/> in USD; returns the next page's cursor, or null after the last page.</summary>
    /// <exception cref="CostApiException">The page is not the documented shape, or an amount is negative, not a number or in a currency without a rate.</exception>
    string? Read(ReadOnlySpan<byte> body, MonthTotals totals, ExchangeRates rates);
}
