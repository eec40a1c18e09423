using CpstExporter.Pricing;
using CpstExporter.Primitives;
using Xunit.Abstractions;
using static CpstExporter.Tests.Pricing.PricingFixtures;

namespace CpstExporter.Tests.Pricing;

/// <summary>
/// The sample of LiteLLM's real price list kept beside the repository (<c>../shared/data/litellm/</c>, 218 entries):
/// read whole, its counts as the load log line gives them, and a few calls priced from it to the last digit.
/// </summary>
public sealed class LiteLlmSampleTests(ITestOutputHelper output)
{
    private static readonly string[] SampleFile = ["..", "shared", "data", "litellm", "model_prices_and_context_window.json"];

    private static readonly Lazy<PriceFile> Sample = new(() => PriceFileReader.Read(RequiresFileFactAttribute.FullPath(SampleFile)));

    [RequiresFileFact("..", "shared", "data", "litellm", "model_prices_and_context_window.json")]
    public void Read_RealSample_EveryTokenPricedEntryAndTheOthersCounted()
    {
        PriceFile file = Sample.Value;
        output.WriteLine($"{file.Path}: {file.Models.Count} model entries, version {file.Version}; {file.Skipped}");

        Assert.Equal(195, file.Models.Count);
        Assert.Equal("218 entries, 195 priced; skipped: 23 of other modes (audio_speech 4, audio_transcription 6, image_generation 12, realtime 1), " +
                     "0 without per-token prices, 0 repeated under another key; 68 keys not used", file.Skipped);
        Assert.Equal(195, file.Models.Select(m => (m.Name.ToLowerInvariant(), m.Provider)).Distinct().Count());
        Assert.All(file.Models, m => Assert.True(m.ProviderOnlyChooses));
    }

    [Fact]
    public void RequiresFileFact_FileAbsent_SkippedWithAReasonNamingThePath()
    {
        string absent = RequiresFileFactAttribute.FullPath("..", "shared", "data", "no-such-file.json");

        Assert.Equal($"{absent} is not there: this test reads that data file beside the repository and runs where it is",
            new RequiresFileFactAttribute("..", "shared", "data", "no-such-file.json").Skip);
        Assert.Null(new RequiresFileFactAttribute("CpstExporter.sln").Skip);
    }

    public static TheoryData<string, string?, long, long, long, long, string, string, string> SampleCalls => new()
    {
        // model, span's provider, prompt, of which cache reads, of which 1-hour cache writes, output, served tier, expected USD, basis
        // claude-sonnet-4-5 above 200k: 250000 × 6 + 1000 × 22.5
        { "claude-sonnet-4-5", "anthropic", 250_000, 0, 0, 1_000, "standard", "1.5225", "table_long_context" },
        // and its 1-hour writes above 200k: 150000 × 6 + 100000 × 12 + 1000 × 22.5
        { "claude-sonnet-4-5", "anthropic", 250_000, 0, 100_000, 1_000, "standard", "2.1225", "table_long_context" },
        // gpt-5.4 priority: 10000 × 5 + 2000 × 30
        { "gpt-5.4", "openai", 10_000, 0, 0, 2_000, "priority", "0.11", "table" },
        // gpt-5 flex: 10000 × 0.625 + 2000 × 5
        { "gpt-5", "openai", 10_000, 0, 0, 2_000, "flex", "0.01625", "table" },
        // gemini-2.5-pro has only a Vertex entry, which prices a Gemini API call too: 250000 × 2.5 + 1000 × 15
        { "gemini-2.5-pro", "gcp.gemini", 250_000, 0, 0, 1_000, "standard", "0.64", "table_long_context" },
        // gemini-3-pro-preview priority above 200k, at that tier's own priority rates: 200000 × 7.2 + 50000 × 0.72 + 1000 × 32.4
        { "gemini-3-pro-preview", "gcp.vertex_ai", 250_000, 50_000, 0, 1_000, "priority", "1.5084", "table_long_context" },
    };

    [RequiresFileFact("..", "shared", "data", "litellm", "model_prices_and_context_window.json")]
    public void Price_RealSample_AsTheProviderBills()
    {
        PriceTable table = PriceLayers.Compose([Sample.Value]);

        foreach (var row in SampleCalls)
        {
            var (model, provider, prompt, cacheRead, cacheWrite1h, outputTokens, served, expected, basis) =
                ((string)row[0], (string?)row[1], (long)row[2], (long)row[3], (long)row[4], (long)row[5], (string)row[6], (string)row[7], (string)row[8]);
            Assert.True(ServiceTierLabels.TryParse(served, out ServiceTier tier));
            Assert.True(PricingBasisLabels.TryParse(basis, out PricingBasis expectedBasis));

            CallPrice price = Price(table, Call(model, provider, prompt, outputTokens, cacheRead: cacheRead, cacheWrite: cacheWrite1h, cacheWrite1h: cacheWrite1h, tier: tier));

            output.WriteLine($"{model} ({provider}) {prompt} in, {outputTokens} out, {served}: {price.CostUsd} USD, {price.Basis.LabelValue()}");
            Assert.Equal((model, served, Usd(expected), expectedBasis, CallPriceNotes.None), (model, served, price.CostUsd, price.Basis, price.Notes));
        }
    }
}
