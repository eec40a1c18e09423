namespace CpstExporter.Billing.CostApi;

/// <summary>
/// What one workspace was charged for one cost item on the bucket's day. <see cref="Amount"/> is a decimal string in the
/// currency's lowest unit: <c>"123.45"</c> in <c>USD</c> is 123.45 cents, $1.2345. <see cref="WorkspaceId"/> is null
/// for the default workspace; <see cref="Description"/> (<c>Claude Sonnet 4 Usage - Input Tokens</c>, …) is summed over.
/// </summary>
internal sealed record AnthropicCostResult
{
    public required string Amount { get; init; }
    public string? Currency { get; init; }
    public string? WorkspaceId { get; init; }
    public string? Description { get; init; }
}
