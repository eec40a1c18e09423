using System.Globalization;
using System.Net.Http.Headers;
using CpstExporter.Pricing;

namespace CpstExporter.Billing.CostApi;

/// <summary>
/// OpenAI's organization costs API (<c>GET /v1/organization/costs</c>, an Admin API key as the bearer token): daily
/// buckets grouped by project and line item; <c>amount.value</c> is a JSON number in dollars (docs/billing.md).
/// </summary>
internal sealed class OpenAiCostApi : ICostApi
{
    public const string Path = "v1/organization/costs";

    /// <summary>Buckets per page: a month's days (the API allows 1 to 180).</summary>
    public const int Limit = 31;

    public BillingSource Source => BillingSource.OpenAI;
    public string Provider => "openai";
    public string Name => "OpenAI";

    public HttpRequestMessage Request(CostApiEndpointOptions endpoint, string key, BillingMonth month, string? page)
    {
        string query = string.Create(CultureInfo.InvariantCulture,
            $"?start_time={month.From.ToUnixTimeSeconds()}&end_time={month.To.ToUnixTimeSeconds()}&bucket_width=1d" +
            $"&group_by[]=project_id&group_by[]=line_item&limit={Limit}");
        if (page is not null) query += "&page=" + Uri.EscapeDataString(page);
        var request = new HttpRequestMessage(HttpMethod.Get, endpoint.Resolve(Path + query));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    public string? Read(ReadOnlySpan<byte> body, MonthTotals totals, ExchangeRates rates)
    {
        OpenAiCostPage page = CostApiPages.Parse(body, CostApiJson.Default.OpenAiCostPage, Name);
        foreach (OpenAiCostBucket bucket in page.Data)
        {
            DateTimeOffset start = DateTimeOffset.FromUnixTimeSeconds(bucket.StartTime);
            if (!totals.Month.Holds(start)) continue; // another month's bucket: that month's own poll reads it
            foreach (OpenAiCostResult result in bucket.Results)
            {
                decimal value = result.Amount.Value;
                string where = $"{Name}: the bucket of {start:yyyy-MM-dd}";
                if (value < 0) throw new CostApiException($"{where} has a negative amount ({value.ToString(CultureInfo.InvariantCulture)})");
                if (!rates.TryToUsd(value, result.Amount.Currency, out decimal usd))
                    throw new CostApiException($"{where} has an amount in {result.Amount.Currency}, which has no exchange rate; " +
                        $"set Cpst:Pricing:ExchangeRates:{result.Amount.Currency?.ToUpperInvariant()}");
                totals.Add(start, result.ProjectId, usd);
            }
        }
        return CostApiPages.NextCursor(page.HasMore, page.NextPage, Name);
    }
}
