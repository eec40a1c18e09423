namespace CpstExporter.Billing.CostApi;

/// <summary>One day of OpenAI's costs: <see cref="StartTime"/> in Unix seconds, one result per project and line item.</summary>
internal sealed record OpenAiCostBucket
{
    public required long StartTime { get; init; }
    public long? EndTime { get; init; }
    public required IReadOnlyList<OpenAiCostResult> Results { get; init; }
}
