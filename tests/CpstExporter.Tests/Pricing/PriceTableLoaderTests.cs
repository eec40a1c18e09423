using CpstExporter.Pricing;

namespace CpstExporter.Tests.Pricing;

/// <summary>Loading our YAML price file whole: the shipped one, defaults, exact decimals, versions and what a broken file says.</summary>
public class PriceTableLoaderTests
{
    [Fact]
    public void Load_ShippedFile_LoadsEveryEntry()
    {
        PriceTable table = PriceTableLoader.Load(RepoFiles.Path("src", "CpstExporter", "pricing.yaml"));

        Assert.True(table.Models.Count >= 50, $"{table.Models.Count} models");
        Assert.Equal(5, table.ToolCount);
        Assert.Matches("^[0-9a-f]{12}$", table.Version);
    }

    [Fact]
    public void Parse_OptionalRatesLeftOut_DefaultToInputAndOutput()
    {
        PriceTable table = PriceTableLoader.Parse("""
            models:
              - name: plain
                input: 2.5
                output: 10
            """, "test.yaml");

        ModelPrice price = Assert.Single(table.Models);
        Assert.Equal(new TokenRates(Input: 2.5m, Output: 10m, CacheRead: 2.5m, CacheWrite: 2.5m, CacheWrite1h: 2.5m, Reasoning: 10m), price.Base.Rates);
        Assert.Empty(price.Tiers);
        Assert.Empty(price.Base.PricedServiceTiers());
        Assert.Equal(0UL, price.EffectiveFromUnixNano);
        Assert.Null(price.Provider);
        Assert.Null(price.Pattern);
    }

    [Fact]
    public void Parse_AllFields_ReadExactly()
    {
        PriceTable table = PriceTableLoader.Parse("""
            models:
              - name: full
                pattern: '^full(-\d+)?$'
                provider: openai
                input: 2.50
                output: 10.00
                cache_read: 1.25
                cache_write: 3.125
                cache_write_1h: 5
                reasoning: 12.5
            tools:
              - name: web_search
                per_call: 0.01
            """, "test.yaml");

        ModelPrice price = Assert.Single(table.Models);
        Assert.Equal(new TokenRates(Input: 2.50m, Output: 10.00m, CacheRead: 1.25m, CacheWrite: 3.125m, CacheWrite1h: 5m, Reasoning: 12.5m), price.Base.Rates);
        Assert.Equal("openai", price.Provider);
        Assert.True(price.Pattern!.IsMatch("FULL-20"));
        Assert.Equal(0.01m, table.FindTool("web_search"));
    }

    [Fact]
    public void Parse_Prices_AreExactDecimals()
    {
        PriceTable table = PriceTableLoader.Parse("""
            models:
              - name: tiny
                input: 0.0028
                output: 0.1
            """, "test.yaml");

        Assert.Equal(0.0028m, table.Models[0].Base.Rates.Input);
        Assert.Equal(0.1m, table.Models[0].Base.Rates.Output);
        Assert.Equal("0.0028", table.Models[0].Base.Rates.Input.ToString(System.Globalization.CultureInfo.InvariantCulture)); // the digits as written
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n# nothing yet\n")]
    [InlineData("models:\n")]
    [InlineData("models: []\ntools:\n  - name: web_search\n    per_call: 0.01\n")]
    public void Parse_NoModels_IsRefused(string text)
    {
        var e = Assert.Throws<PriceTableException>(() => PriceTableLoader.Parse(text, "empty.yaml"));

        Assert.Contains("empty.yaml: no models", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SameText_SameVersion_OtherText_OtherVersion()
    {
        const string a = "models:\n  - name: m\n    input: 1\n    output: 2\n";
        const string b = "models:\n  - name: m\n    input: 1\n    output: 3\n";

        Assert.Equal(PriceTableLoader.Parse(a, "a").Version, PriceTableLoader.Parse(a, "b").Version);
        Assert.NotEqual(PriceTableLoader.Parse(a, "a").Version, PriceTableLoader.Parse(b, "a").Version);
    }

    public static TheoryData<string, string[]> BrokenFiles => new()
    {
        {
            "models:\n  - input: 1\n    output: 2\n",
            ["prices.yaml", "models[0]", "'name' is required"]
        },
        {
            "models:\n  - name: cheap\n    input: -1\n    output: 2\n",
            ["prices.yaml", "models[0] (cheap)", "must not be negative"]
        },
        {
            "models:\n  - name: ok\n    input: 1\n    output: 2\n  - name: cheap\n    input: 1\n    output: 2\n    cache_read: -0.5\n",
            ["models[1] (cheap)", "must not be negative"]
        },
        {
            "models:\n  - name: half\n    input: 1\n",
            ["models[0] (half)", "'input' and 'output'"]
        },
        {
            "models:\n  - name: regex\n    pattern: '^gpt-(4o'\n    input: 1\n    output: 2\n",
            ["models[0] (regex)", "'pattern' is not a valid regular expression"]
        },
        {
            "models:\n  - name: twice\n    input: 1\n    output: 2\n  - name: TWICE\n    input: 1\n    output: 2\n",
            ["models[1] (TWICE)", "duplicate model name"]
        },
        {
            "tools:\n  - per_call: 0.01\n",
            ["tools[0]", "'name' is required"]
        },
        {
            "tools:\n  - name: search\n    per_call: -0.01\n",
            ["tools[0] (search)", "per_call"]
        },
        {
            "tools:\n  - name: search\n",
            ["tools[0] (search)", "per_call"]
        },
        {
            "tools:\n  - name: search\n    per_call: 0.01\n  - name: Search\n    per_call: 0.02\n",
            ["tools[1] (Search)", "duplicate tool name"]
        },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Parse_InvalidEntry_MessageNamesFileEntryAndProblem(string yaml, string[] expectedParts)
    {
        var error = Assert.Throws<PriceTableException>(() => PriceTableLoader.Parse(yaml, "prices.yaml"));

        foreach (string part in expectedParts) Assert.Contains(part, error.Message);
    }

    [Fact]
    public void Parse_SeveralInvalidEntries_ReportsEveryOne()
    {
        var error = Assert.Throws<PriceTableException>(() => PriceTableLoader.Parse(
            "models:\n  - name: a\n    input: -1\n    output: 1\n  - input: 1\n    output: 1\n", "prices.yaml"));

        Assert.Contains("models[0] (a)", error.Message);
        Assert.Contains("models[1]: 'name' is required", error.Message);
    }

    [Fact]
    public void Parse_YamlSyntaxError_MessageGivesTheLine()
    {
        const string yaml = "models:\n  - name: gpt-4o\n    input: 2.50\n    output: [10.00\n  - name: other\n";

        var error = Assert.Throws<PriceTableException>(() => PriceTableLoader.Parse(yaml, "prices.yaml"));

        Assert.StartsWith("prices.yaml: line ", error.Message);
        Assert.Matches(@"line [4-6], column \d+", error.Message);
    }

    [Fact]
    public void Parse_MisspelledField_MessageGivesTheLine()
    {
        const string yaml = "models:\n  - name: gpt-4o\n    input: 2.50\n    ouput: 10.00\n";

        var error = Assert.Throws<PriceTableException>(() => PriceTableLoader.Parse(yaml, "prices.yaml"));

        Assert.Contains("line 4", error.Message);
        Assert.Contains("ouput", error.Message);
    }

    [Fact]
    public void Parse_PriceNotANumber_MessageNamesTheEntryAndTheKey()
    {
        const string yaml = "models:\n  - name: gpt-4o\n    input: cheap\n    output: 10\n";

        var error = Assert.Throws<PriceTableException>(() => PriceTableLoader.Parse(yaml, "prices.yaml"));

        Assert.Equal("prices.yaml: models[0] (gpt-4o): 'input' is not a number: 'cheap' (USD per 1M tokens)", error.Message);
    }

    [Fact]
    public void Load_MissingFile_MessageNamesThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no-such-pricing-{Guid.NewGuid():N}.yaml");

        var error = Assert.Throws<PriceTableException>(() => PriceTableLoader.Load(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Parse_ModelsKeyWithoutEntries_IsNotANullReference()
    {
        const string yaml = "models:\n  # all commented out while testing\ntools:\n  - name: web_search\n    per_call: 0.01\n";

        Exception? error = Record.Exception(() => PriceTableLoader.Parse(yaml, "prices.yaml"));

        Assert.True(error is null or PriceTableException, $"threw {error?.GetType().Name}: {error?.Message}");
    }
}
