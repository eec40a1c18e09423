namespace CpstExporter.Billing.CostApi;

/// <summary>A page of Anthropic's <c>GET /v1/organizations/cost_report</c>: daily buckets, and the cursor of the next page.</summary>
internal sealed record AnthropicCostPage
{
    public required IReadOnlyList<AnthropicCostBucket> Data { get; init; }
    public required bool HasMore { get; init; }
    public string? NextPage { get; init; }
}
