namespace CpstExporter.Billing.CostApi;

/// <summary>An OpenAI amount: <see cref="Value"/> a JSON number in whole units of <see cref="Currency"/> (<c>usd</c>), read exactly.</summary>
internal sealed record OpenAiCostAmount
{
    public required decimal Value { get; init; }
    public string? Currency { get; init; }
}
