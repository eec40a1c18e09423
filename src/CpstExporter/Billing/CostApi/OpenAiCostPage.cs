namespace CpstExporter.Billing.CostApi;

/// <summary>A page of OpenAI's <c>GET /v1/organization/costs</c>: daily buckets, and the cursor of the next page.</summary>
internal sealed record OpenAiCostPage
{
    public required IReadOnlyList<OpenAiCostBucket> Data { get; init; }
    public required bool HasMore { get; init; }
    public string? NextPage { get; init; }
}
