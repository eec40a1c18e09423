using System.Globalization;
using CpstExporter.Pricing;

namespace CpstExporter.Billing.CostApi;

/// <summary>
/// Anthropic's cost report (<c>GET /v1/organizations/cost_report</c>, an Admin API key in <c>x-api-key</c>): daily
/// buckets grouped by workspace and description; <c>amount</c> is a decimal string in cents (docs/billing.md).
/// </summary>
internal sealed class AnthropicCostApi : ICostApi
{
    public const string Path = "v1/organizations/cost_report";

    /// <summary>The API version the request and response shapes are read for.</summary>
    public const string Version = "2023-06-01";

    /// <summary>Buckets per page: a month's days, the API's most for daily buckets.</summary>
    public const int Limit = 31;

    /// <summary>Amounts are in the lowest unit of the currency; the API states them in USD only, whose lowest unit is the cent.</summary>
    private const decimal CentsPerDollar = 100m;

    public BillingSource Source => BillingSource.Anthropic;
    public string Provider => "anthropic";
    public string Name => "Anthropic";

    public HttpRequestMessage Request(CostApiEndpointOptions endpoint, string key, BillingMonth month, string? page)
    {
        string query = $"?starting_at={Rfc3339(month.From)}&ending_at={Rfc3339(month.To)}&bucket_width=1d" +
            $"&group_by[]=workspace_id&group_by[]=description&limit={Limit.ToString(CultureInfo.InvariantCulture)}";
        if (page is not null) query += "&page=" + Uri.EscapeDataString(page);
        var request = new HttpRequestMessage(HttpMethod.Get, endpoint.Resolve(Path + query));
        request.Headers.TryAddWithoutValidation("x-api-key", key);
        request.Headers.TryAddWithoutValidation("anthropic-version", Version);
        return request;
    }

    public string? Read(ReadOnlySpan<byte> body, MonthTotals totals, ExchangeRates rates)
    {
        AnthropicCostPage page = CostApiPages.Parse(body, CostApiJson.Default.AnthropicCostPage, Name);
        foreach (AnthropicCostBucket bucket in page.Data)
        {
            DateTimeOffset start = bucket.StartingAt.ToUniversalTime();
            if (!totals.Month.Holds(start)) continue; // another month's bucket: that month's own poll reads it
            foreach (AnthropicCostResult result in bucket.Results)
            {
                string where = $"{Name}: the bucket of {start:yyyy-MM-dd}";
                // A plain decimal: no sign, exponent, spaces or thousands separators.
                if (!decimal.TryParse(result.Amount, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal cents))
                    throw new CostApiException($"{where} has an amount that is not a decimal number of 0 or more");
                if (result.Currency is not null && !string.Equals(result.Currency, "USD", StringComparison.OrdinalIgnoreCase))
                    throw new CostApiException($"{where} has an amount in {result.Currency}; the cost report's amounts are read as cents of USD only");
                totals.Add(start, result.WorkspaceId, cents / CentsPerDollar);
            }
        }
        return CostApiPages.NextCursor(page.HasMore, page.NextPage, Name);
    }

    private static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
