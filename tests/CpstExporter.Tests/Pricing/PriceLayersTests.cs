using CpstExporter.Pricing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using static CpstExporter.Tests.Pricing.PricingFixtures;

namespace CpstExporter.Tests.Pricing;

/// <summary>
/// Price files layered into one table (<c>Cpst:PricingFiles:&lt;n&gt;</c>, docs/pricing.md): LiteLLM's list first and
/// contract prices on top, a later file's entries replacing the same model's, and each file reloaded on its own.
/// </summary>
public sealed class PriceLayersTests : IDisposable
{
    private const string LiteLlm = """
        {
          "claude-sonnet-4-5": {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05, "litellm_provider": "anthropic", "mode": "chat"},
          "gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, "litellm_provider": "openai", "mode": "chat"},
          "gemini-2.5-pro": {"input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05, "litellm_provider": "vertex_ai-language-models"},
          "gemini/gemini-2.5-pro": {"input_cost_per_token": 1e-06, "output_cost_per_token": 8e-06, "litellm_provider": "gemini"}
        }
        """;

    private const string Contract = """
        models:
          - name: claude-sonnet-4-5
            provider: anthropic
            input: 2.40
            output: 12.00
        """;

    private static PriceTable Compose(params (string Text, string Path)[] files) =>
        PriceLayers.Compose(files.Select(f => PriceFileReader.Parse(f.Text, f.Path)).ToArray());

    private static decimal? Input(PriceTable table, string model, string? provider) => table.FindModel(model, provider)?.Base.Rates.Input;

    [Fact]
    public void Compose_ContractPriceOnTopOfLiteLlm_ReplacesThatModelsEntryOnly()
    {
        PriceTable table = Compose((LiteLlm, "litellm.json"), (Contract, "contract.yaml"));

        Assert.Equal(2.40m, Input(table, "claude-sonnet-4-5", "anthropic"));
        Assert.Equal(2.40m, Input(table, "claude-sonnet-4-5", null));
        Assert.Equal(2.50m, Input(table, "gpt-4o", "openai"));
        Assert.Equal(4, table.Models.Count);
        Assert.Equal("contract.yaml: models[0] (claude-sonnet-4-5)", table.FindModel("claude-sonnet-4-5", "anthropic")!.Source);
        // 10000 × 2.40 + 1000 × 12: the contract's price, to the last digit.
        Assert.Equal(0.036m, Price(table, Call("claude-sonnet-4-5", "anthropic", 10_000, 1_000)).CostUsd);
    }

    [Fact]
    public void Compose_LaterEntryWithoutAProvider_ReplacesEveryEarlierEntryOfItsName()
    {
        PriceTable table = Compose((LiteLlm, "litellm.json"), ("models:\n  - name: Gemini-2.5-Pro\n    input: 0.90\n    output: 7.00\n", "contract.yaml"));

        Assert.Equal(0.90m, Input(table, "gemini-2.5-pro", "gcp.gemini"));
        Assert.Equal(0.90m, Input(table, "gemini-2.5-pro", "gcp.vertex_ai"));
        Assert.Equal(3, table.Models.Count);
    }

    [Fact]
    public void Compose_LaterEntryForOneProvider_LeavesTheEarlierEntryWithoutOneForTheOthers()
    {
        PriceTable table = Compose(
            ("models:\n  - name: m\n    input: 1\n    output: 2\n", "base.yaml"),
            ("models:\n  - name: m\n    provider: groq\n    input: 3\n    output: 4\n", "groq.yaml"));

        Assert.Equal(3m, Input(table, "m", "groq"));
        Assert.Equal(1m, Input(table, "m", "openai"));
        Assert.Equal(1m, Input(table, "m", null));
    }

    [Fact]
    public void Compose_LaterEntryOfAModel_ReplacesEveryDatedEntryOfIt()
    {
        PriceTable table = Compose(
            ("models:\n  - name: m\n    input: 1\n    output: 2\n  - name: m\n    input: 5\n    output: 6\n    effective_from: 2026-12-15\n", "history.yaml"),
            ("models:\n  - name: m\n    input: 3\n    output: 4\n", "now.yaml"));

        ModelVersions entries = table.Find("m", null).Entries!;
        Assert.Equal([3m], entries.Versions.Select(v => v.Base.Rates.Input));
    }

    [Fact]
    public void Compose_ToolsAndRegionsOfALaterFile_ReplaceTheEarlierOnes()
    {
        PriceTable table = Compose(
            ("models:\n  - name: m\n    input: 1\n    output: 1\ntools:\n  - name: web_search\n    per_call: 0.01\n  - name: file_search\n    per_call: 0.0025\n" +
             "regions:\n  - prefix: \"eu.\"\n    factor: 1.10\n  - prefix: \"us.\"\n    factor: 1.10\n", "a.yaml"),
            ("models:\n  - name: n\n    input: 1\n    output: 1\ntools:\n  - name: WEB_SEARCH\n    per_call: 0.008\nregions:\n  - prefix: \"EU.\"\n    factor: 1.05\n", "b.yaml"));

        Assert.Equal(0.008m, table.FindTool("web_search"));
        Assert.Equal(0.0025m, table.FindTool("file_search"));
        Assert.Equal(2, table.ToolCount);
        Assert.Equal(1.05m, table.Find("eu.m", null).RegionFactor);
        Assert.Equal(1.10m, table.Find("us.m", null).RegionFactor);
        Assert.Equal(2, table.Regions.Count);
    }

    [Fact]
    public void Compose_Version_ChangesWithAnyFileNeverOtherwise()
    {
        string a = Compose((LiteLlm, "litellm.json"), (Contract, "contract.yaml")).Version;
        string same = Compose((LiteLlm, "elsewhere.json"), (Contract, "elsewhere.yaml")).Version;
        string other = Compose((LiteLlm, "litellm.json"), (Contract.Replace("2.40", "2.45"), "contract.yaml")).Version;

        Assert.Equal(a, same);
        Assert.NotEqual(a, other);
        Assert.Matches("^[0-9a-f]{12}$", a);
        Assert.NotEqual(PriceFileReader.Parse(Contract, "contract.yaml").Version, a);
    }

    // ---------------------------------------------------------------- reloading each file on its own

    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-layers-").FullName;
    private DateTime _stamp = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    /// <summary>Writes a file and moves its timestamp on by a minute, so the change is seen whatever the file system's resolution.</summary>
    private void Write(string name, string text)
    {
        File.WriteAllText(PathOf(name), text);
        _stamp = _stamp.AddMinutes(1);
        File.SetLastWriteTimeUtc(PathOf(name), _stamp);
    }

    private PriceTableProvider Provider() => new(new PricingOptions { PricingFiles = [PathOf("litellm.json"), PathOf("contract.yaml")] },
        TimeProvider.System, NullLogger<PriceTableProvider>.Instance);

    [Fact]
    public void Provider_PricingFiles_LayeredInOrder()
    {
        Write("litellm.json", LiteLlm);
        Write("contract.yaml", Contract);

        PriceTableProvider provider = Provider();

        Assert.Equal(2.40m, Input(provider.Current, "claude-sonnet-4-5", "anthropic"));
        Assert.Equal(2.50m, Input(provider.Current, "gpt-4o", "openai"));
        Assert.Equal(Compose((LiteLlm, "x.json"), (Contract, "y.yaml")).Version, provider.Current.Version);
    }

    [Fact]
    public void CheckForChanges_OneFileChanged_NewTableWithTheOtherFileAsItWas()
    {
        Write("litellm.json", LiteLlm);
        Write("contract.yaml", Contract);
        PriceTableProvider provider = Provider();

        Write("litellm.json", LiteLlm.Replace("2.5e-06", "2e-06"));

        Assert.True(provider.CheckForChanges());
        Assert.Equal(2.00m, Input(provider.Current, "gpt-4o", "openai"));
        Assert.Equal(2.40m, Input(provider.Current, "claude-sonnet-4-5", "anthropic"));
        Assert.False(provider.CheckForChanges());
    }

    [Fact]
    public void CheckForChanges_SecondFileBroken_ItsLastGoodContentStaysAndTheFirstFilesChangeApplies()
    {
        Write("litellm.json", LiteLlm);
        Write("contract.yaml", Contract);
        PriceTableProvider provider = Provider();

        Write("contract.yaml", "models:\n  - name: claude-sonnet-4-5\n    input: -2.40\n    output: 12\n");
        Write("litellm.json", LiteLlm.Replace("2.5e-06", "2e-06"));

        Assert.True(provider.CheckForChanges());
        Assert.Equal(1, provider.ReloadFailures);
        Assert.Equal(2.00m, Input(provider.Current, "gpt-4o", "openai"));                  // the first file's change
        Assert.Equal(2.40m, Input(provider.Current, "claude-sonnet-4-5", "anthropic"));    // the second file's last good content
        Assert.False(provider.CheckForChanges());                                          // the broken file is not read again until it changes
        Assert.Equal(1, provider.ReloadFailures);

        Write("contract.yaml", Contract.Replace("2.40", "2.20"));

        Assert.True(provider.CheckForChanges());
        Assert.Equal(2.20m, Input(provider.Current, "claude-sonnet-4-5", "anthropic"));
        Assert.Equal(1, provider.ReloadFailures);
    }

    [Fact]
    public void Constructor_SecondFileBroken_FailsNamingIt()
    {
        Write("litellm.json", LiteLlm);
        Write("contract.yaml", "models:\n  - name: claude-sonnet-4-5\n    input: 2.40\n");

        var error = Assert.Throws<PriceTableException>(Provider);

        Assert.Equal($"{PathOf("contract.yaml")}: models[0] (claude-sonnet-4-5): 'input' and 'output' prices (USD per 1M tokens) are required", error.Message);
    }

    [Fact]
    public void Read_PricingFilesFromConfiguration_InNumericOrder()
    {
        IConfigurationSection cpst = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cpst:PricingFiles:10"] = "/prices/c.yaml",
            ["Cpst:PricingFiles:2"] = "/prices/b.yaml",
            ["Cpst:PricingFiles:0"] = "/prices/litellm.json",
            ["Cpst:Pricing:ExchangeRates:eur"] = "1.08",
        }).Build().GetSection("Cpst");

        PricingOptions options = PricingOptions.Read(cpst);

        Assert.Equal(["/prices/litellm.json", "/prices/b.yaml", "/prices/c.yaml"], options.ResolvePaths());
        Assert.Equal("Cpst:PricingFiles", options.Key);
        Assert.Equal(1.08m, options.ExchangeRates["EUR"]);
    }
}
