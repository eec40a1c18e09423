namespace CpstExporter.Billing.CostApi;

/// <summary>One day of Anthropic's costs: <see cref="StartingAt"/> an RFC 3339 time, one result per workspace and description.</summary>
internal sealed record AnthropicCostBucket
{
    public required DateTimeOffset StartingAt { get; init; }
    public DateTimeOffset? EndingAt { get; init; }
    public required IReadOnlyList<AnthropicCostResult> Results { get; init; }
}
