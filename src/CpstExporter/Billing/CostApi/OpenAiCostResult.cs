namespace CpstExporter.Billing.CostApi;

/// <summary>
/// What one project was charged for one line item on the bucket's day. <see cref="ProjectId"/> is null for usage outside
/// any project; <see cref="LineItem"/> (<c>gpt-4o, input</c>, …) is summed over.
/// </summary>
internal sealed record OpenAiCostResult
{
    public required OpenAiCostAmount Amount { get; init; }
    public string? LineItem { get; init; }
    public string? ProjectId { get; init; }
}
