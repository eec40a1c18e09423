namespace CpstExporter.Tests.Support;

/// <summary>
/// The price table of the agents run against <see cref="FakeOpenAiEndpoint"/>, USD per 1M tokens: a different rate per
/// token class, so a class priced at another's rate, or a subset priced on top of its total, gives another sum.
/// </summary>
internal static class FakeOpenAiPrices
{
    public const string Model = "gpt-4o-mini";
    public const decimal InputRate = 0.15m;
    public const decimal CacheReadRate = 0.075m;
    public const decimal OutputRate = 0.60m;
    public const decimal ReasoningRate = 2.40m;
    public const decimal ToolPrice = 0.0025m;

    /// <summary>
    /// A call as the endpoint answers it (1,000 input tokens of which 400 cache reads, 200 output tokens of which 50
    /// reasoning), priced from what a library reports: every class ($0.00033) ...
    /// </summary>
    public const decimal DetailedCall = (600 * InputRate + 400 * CacheReadRate + 150 * OutputRate + 50 * ReasoningRate) / 1_000_000;

    /// <summary>... or only the input and output totals, the cached input then at the input rate ($0.00027).</summary>
    public const decimal PlainCall = (1000 * InputRate + 200 * OutputRate) / 1_000_000;

    /// <summary>Writes the table to <c>pricing.yaml</c> in <paramref name="directory"/>; returns its path, for <c>Cpst:PricingFile</c>.</summary>
    public static string Write(string directory)
    {
        string path = Path.Combine(directory, "pricing.yaml");
        File.WriteAllText(path, $"""
            models:
              - name: {Model}
                input: {InputRate}
                output: {OutputRate}
                cache_read: {CacheReadRate}
                reasoning: {ReasoningRate}
            tools:
              - name: {FakeOpenAiEndpoint.ToolName}
                per_call: {ToolPrice}
            """);
        return path;
    }
}
