using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;

namespace CpstExporter.Tests.Pricing;

public class PriceTableTests
{
    private static readonly Lazy<PriceTable> Shipped = new(() => PriceTableLoader.Load(RepoFiles.Path("src", "CpstExporter", "pricing.yaml")));

    private const string Small = """
        models:
          - name: gpt-4o
            pattern: '^gpt-4o(-\d{4}-\d{2}-\d{2})?$'
            input: 2.50
            output: 10.00
          - name: gpt-4o-mini
            pattern: '^gpt-4o-mini(-\d{4}-\d{2}-\d{2})?$'
            input: 0.15
            output: 0.60
          - name: shared-model
            input: 1.00
            output: 2.00
          - name: shared-model
            provider: groq
            input: 0.50
            output: 1.00
          - name: only-at-groq
            provider: groq
            input: 0.10
            output: 0.20
        tools:
          - name: web_search
            per_call: 0.01
        """;

    private static PriceTable SmallTable() => PriceTableLoader.Parse(Small, "test.yaml");

    /// <summary>model id as spans send it → entry name and input price in the shipped pricing.yaml.</summary>
    public static TheoryData<string, string?, string, string> ShippedMatches => new()
    {
        { "gpt-4o", null, "gpt-4o", "2.50" },
        { "GPT-4o", null, "gpt-4o", "2.50" },
        { "gpt-4o-2024-08-06", null, "gpt-4o", "2.50" },
        { "gpt-4o-2024-11-20", "openai", "gpt-4o", "2.50" },
        { "gpt-4o-2024-05-13", null, "gpt-4o-2024-05-13", "5.00" },   // an exact name wins over a pattern
        { "gpt-4o-mini", null, "gpt-4o-mini", "0.15" },
        { "gpt-4o-mini-2024-07-18", null, "gpt-4o-mini", "0.15" },
        { "claude-sonnet-4-5-20250929", "anthropic", "claude-sonnet-4-5", "3.00" },
        { "claude-sonnet-4-5@20250929", "gcp.vertex_ai", "claude-sonnet-4-5", "3.00" },
        { "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws.bedrock", "claude-sonnet-4-5", "3.00" },
        { "claude-3-5-sonnet-latest", null, "claude-3-5-sonnet", "3.00" },
        { "models/gemini-2.5-flash", "gcp.gemini", "gemini-2.5-flash", "0.30" },
        { "gemini-2.0-flash", "gcp.vertex_ai", "gemini-2.0-flash", "0.15" },   // provider-specific entry
        { "gemini-2.0-flash", "gcp.gemini", "gemini-2.0-flash", "0.10" },
        { "gemini-2.0-flash-001", "gcp.vertex_ai", "gemini-2.0-flash", "0.15" },
        { "gemini-2.0-flash-001", "gcp.gemini", "gemini-2.0-flash", "0.10" },
        { "o1-preview", null, "o1", "15.00" },
        { "meta-llama/llama-4-scout-17b-16e-instruct", "groq", "meta-llama/llama-4-scout-17b-16e-instruct", "0.11" },
        { "deepseek-v4.1-flash", "deepseek", "deepseek-flash", "0.30" },
    };

    [Theory]
    [MemberData(nameof(ShippedMatches))]
    public void FindModel_ShippedTable_FindsTheEntry(string model, string? provider, string entry, string input)
    {
        ModelPrice? price = Shipped.Value.FindModel(model, provider);

        Assert.NotNull(price);
        Assert.Equal(entry, price.Name);
        Assert.Equal(decimal.Parse(input, System.Globalization.CultureInfo.InvariantCulture), price.Base.Rates.Input);
    }

    [Theory]
    [InlineData("gpt-4o-mini", "gpt-4o")]
    [InlineData("gpt-4o-mini-2024-07-18", "gpt-4o")]
    [InlineData("gpt-4o-realtime-preview", null)]
    [InlineData("gpt-4o-2024-08-06-extra", null)]
    [InlineData("xgpt-4o", null)]
    [InlineData("claude-sonnet-4-6", "claude-sonnet-4")]
    public void FindModel_ShippedTable_PatternsDoNotReachIntoOtherModels(string model, string? notEntry)
    {
        ModelPrice? price = Shipped.Value.FindModel(model, null);

        if (notEntry is null) Assert.Null(price);
        else Assert.NotEqual(notEntry, price?.Name);
    }

    [Fact]
    public void FindModel_DatedGpt4o_PricedAsGpt4o()
    {
        ModelPrice? price = Shipped.Value.FindModel("gpt-4o-2024-08-06", "openai");

        Assert.NotNull(price);
        Assert.Equal(0.0045m, price.Cost(new TokenUsage(1000, 200, 0, 0, 0)));
    }

    [Fact]
    public void FindModel_ShippedTable_EveryPatternMatchesItsOwnName()
    {
        foreach (ModelPrice price in Shipped.Value.Models.Where(m => m.Pattern is not null))
            Assert.True(price.Pattern!.IsMatch(price.Name), $"{price.Name}: pattern {price.Pattern!.Text} does not match the entry's own name");
    }

    [Fact]
    public void FindModel_ShippedTable_EveryNameFindsAnEntryOfThatName()
    {
        foreach (ModelPrice price in Shipped.Value.Models)
            Assert.Equal(price.Name, Shipped.Value.FindModel(price.Name, price.Provider)?.Name);
    }

    [Theory]
    [InlineData("gpt-4o", "gpt-4o", "2.50")]
    [InlineData("GPT-4O", "gpt-4o", "2.50")]
    [InlineData("Gpt-4o-Mini", "gpt-4o-mini", "0.15")]
    [InlineData("gpt-4o-2024-08-06", "gpt-4o", "2.50")]
    [InlineData("GPT-4O-2024-08-06", "gpt-4o", "2.50")]
    public void FindModel_NameOrPattern_IsCaseInsensitive(string model, string entry, string input)
    {
        ModelPrice? price = SmallTable().FindModel(model, null);

        Assert.Equal(entry, price?.Name);
        Assert.Equal(decimal.Parse(input, System.Globalization.CultureInfo.InvariantCulture), price?.Base.Rates.Input);
    }

    [Theory]
    [InlineData("groq", "0.50")]
    [InlineData("GROQ", "0.50")]
    [InlineData("openai", "1.00")]
    public void FindModel_ProviderSpecificEntry_PreferredForItsProvider(string provider, string input)
    {
        ModelPrice? price = SmallTable().FindModel("shared-model", provider);

        Assert.Equal(decimal.Parse(input, System.Globalization.CultureInfo.InvariantCulture), price?.Base.Rates.Input);
    }

    [Fact]
    public void FindModel_ProviderOnlyEntry_NotUsedForAnotherProvider()
    {
        PriceTable table = SmallTable();

        Assert.Null(table.FindModel("only-at-groq", "openai"));
        Assert.Equal(0.10m, table.FindModel("only-at-groq", "groq")?.Base.Rates.Input);
    }

    [Theory]
    [InlineData("gpt-5-ultra", null)]
    [InlineData("", null)]
    [InlineData("unknown", "openai")]
    public void FindModel_UnknownModel_IsNull(string model, string? provider)
    {
        Assert.Null(SmallTable().FindModel(model, provider));
        Assert.Null(Shipped.Value.FindModel(model == "" ? "no-such-model-anywhere" : model, provider));
    }

    [Fact]
    public void FindModel_AskedTwice_SameAnswer()
    {
        PriceTable table = SmallTable();

        Assert.Same(table.FindModel("gpt-4o-2024-08-06", null), table.FindModel("gpt-4o-2024-08-06", null));
        Assert.Null(table.FindModel("nope", null));
        Assert.Null(table.FindModel("nope", null));
    }

    [Theory]
    [InlineData("web_search", "0.01")]
    [InlineData("WEB_SEARCH", "0.01")]
    public void FindTool_KnownTool_PerCallPrice(string tool, string price)
    {
        Assert.Equal(decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture), SmallTable().FindTool(tool));
    }

    [Fact]
    public void FindTool_UnknownTool_IsNull()
    {
        Assert.Null(SmallTable().FindTool("calculator"));
    }

    [Theory]
    [InlineData("web_search", "0.01")]
    [InlineData("web_search_preview", "0.025")]
    [InlineData("file_search", "0.0025")]
    [InlineData("code_interpreter", "0.03")]
    [InlineData("google_search", "0.014")]
    public void FindTool_ShippedTable_PerCallPrice(string tool, string price)
    {
        Assert.Equal(decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture), Shipped.Value.FindTool(tool));
    }

    [Fact]
    public void FindModel_SpanWithoutProvider_UsesTheEntryWithoutProvider()
    {
        // pricing.yaml: provider-specific entries are the exception for that provider; entries without one apply to any.
        Assert.Equal(0.10m, Shipped.Value.FindModel("gemini-2.0-flash", null)?.Base.Rates.Input);
        Assert.Equal(1.00m, SmallTable().FindModel("shared-model", null)?.Base.Rates.Input);
    }

    [Fact]
    public void Empty_FindsNothing()
    {
        Assert.Null(PriceTable.Empty.FindModel("gpt-4o", null));
        Assert.Null(PriceTable.Empty.FindTool("web_search"));
    }

    [Fact]
    public void FindModel_FloodOfJunkNames_CacheStaysBoundedAndKeepsTheNamesInUse()
    {
        PriceTable table = SmallTable();

        for (int i = 0; i < 10 * PriceTable.MaxCachedLookups; i++)
        {
            Assert.Null(table.FindModel($"junk-{i}", null));
            if (i % 100 == 0) Assert.Equal(2.50m, table.FindModel("gpt-4o-2024-08-06", "openai")?.Base.Rates.Input);
        }

        Assert.InRange(table.CachedLookups, 1, 2 * PriceTable.MaxCachedLookups);
        Assert.True(table.IsCached("gpt-4o-2024-08-06", "openai"));
        Assert.Equal(0.15m, table.FindModel("gpt-4o-mini", null)?.Base.Rates.Input); // lookups after the flood still answer right
    }
}
