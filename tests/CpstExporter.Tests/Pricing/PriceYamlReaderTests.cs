using CpstExporter.Pricing;
using CpstExporter.Primitives;
using static CpstExporter.Tests.Pricing.PricingFixtures;

namespace CpstExporter.Tests.Pricing;

/// <summary>
/// Our YAML price file (docs/pricing.md): tiers, service tiers, 1-hour writes, effective dates and regions read exactly,
/// what a set of rates leaves out resolved as the docs say; and every kind of bad input refused with a message that names the file,
/// the entry and the key.
/// </summary>
public class PriceYamlReaderTests
{
    private static PriceFile Read(string yaml) => PriceYamlReader.Parse(yaml, "prices.yaml");

    [Fact]
    public void Parse_EveryField_ReadExactly()
    {
        PriceFile file = Read("""
            models:
              - name: full
                provider: anthropic
                input: 3.00
                output: 15.00
                cache_read: 0.30
                cache_write: 3.75
                cache_write_1h: 6.00
                reasoning: 16
                tiers:
                  - above_prompt_tokens: 200000
                    input: 6.00
                    output: 22.50
                    cache_read: 0.60
                    cache_write: 7.50
                    cache_write_1h: 12.00
                    service_tiers:
                      priority: {input: 12, output: 45}
                  - above_prompt_tokens: 1000000
                    input: 9
                    output: 30
                service_tiers:
                  priority: {input: 5.00, output: 25.00, cache_read: 0.50}
                  flex: {factor: 0.5}
                  batch: {factor: 0.45}
                effective_from: 2026-12-15T00:00:00Z
            regions:
              - prefix: "eu."
                factor: 1.10
            tools:
              - name: web_search
                per_call: 0.01
            """);

        ModelPrice entry = Assert.Single(file.Models);
        Assert.Equal(new TokenRates(3.00m, 15.00m, 0.30m, 3.75m, 6.00m, 16m), entry.Base.Rates);
        Assert.Equal([ServiceTier.Batch, ServiceTier.Flex, ServiceTier.Priority], entry.Base.PricedServiceTiers());
        Assert.Equal(new TokenRates(5.00m, 25.00m, 0.50m, 3.75m, 6.00m, 16m), entry.Base.ServiceTier(ServiceTier.Priority)!.Rates);
        Assert.Equal(0.5m, entry.Base.ServiceTier(ServiceTier.Flex)!.Factor);
        Assert.True(entry.Base.ServiceTier(ServiceTier.Flex)!.IsFactor);
        Assert.Equal(0.45m, entry.Base.ServiceTier(ServiceTier.Batch)!.Factor);
        Assert.Equal([200_000L, 1_000_000L], entry.Tiers.Select(t => t.AbovePromptTokens));
        Assert.Equal(new TokenRates(6.00m, 22.50m, 0.60m, 7.50m, 12.00m, 16m), entry.Tiers[0].Rates);
        Assert.Equal([ServiceTier.Priority], entry.Tiers[0].PricedServiceTiers());
        // What the tier's priority rates omit comes from the tier's own rates, then the entry's.
        Assert.Equal(new TokenRates(12m, 45m, 0.60m, 7.50m, 12.00m, 16m), entry.Tiers[0].ServiceTier(ServiceTier.Priority)!.Rates);
        Assert.Empty(entry.Tiers[1].PricedServiceTiers());
        Assert.Equal(UnixNano(new DateTimeOffset(2026, 12, 15, 0, 0, 0, TimeSpan.Zero)), entry.EffectiveFromUnixNano);
        Assert.Equal("anthropic", entry.Provider);
        Assert.Equal("prices.yaml: models[0] (full)", entry.Source);
        Assert.Equal([new RegionFactor("eu.", 1.10m)], file.Regions);
        Assert.Equal(0.01m, file.Tools["web_search"]);
    }

    [Fact]
    public void Parse_SetsLeaveOutRates_FromTheEntrysGivenRatesThenDerivedWithinTheSet()
    {
        // docs/pricing.md, "Rates a set does not give": first the base's rates as written, then derived within the set.
        PriceFile file = Read("""
            models:
              - name: m
                input: 2.00
                output: 8.00
                cache_read: 0.50
                tiers:
                  - above_prompt_tokens: 100000
                    input: 4.00
                    output: 12.00
                    service_tiers:
                      priority: {input: 8.00, output: 24.00}
                service_tiers:
                  batch: {input: 1.00, output: 4.00}
            """);

        ModelPrice entry = Assert.Single(file.Models);
        Assert.Equal(new TokenRates(2.00m, 8.00m, 0.50m, 2.00m, 2.00m, 8.00m), entry.Base.Rates);
        Assert.Equal(new TokenRates(4.00m, 12.00m, 0.50m, 4.00m, 4.00m, 12.00m), entry.Tiers[0].Rates);
        Assert.Equal(new TokenRates(1.00m, 4.00m, 0.50m, 1.00m, 1.00m, 4.00m), entry.Base.ServiceTier(ServiceTier.Batch)!.Rates);
        Assert.Equal(new TokenRates(8.00m, 24.00m, 0.50m, 8.00m, 8.00m, 24.00m), entry.Tiers[0].ServiceTier(ServiceTier.Priority)!.Rates);
    }

    [Fact]
    public void Parse_DatesOfOneModel_OneEntryEach()
    {
        PriceFile file = Read("""
            models:
              - name: m
                input: 1
                output: 2
              - name: M
                input: 3
                output: 4
                effective_from: 2026-12-15
              - name: m
                input: 5
                output: 6
                effective_from: "2027-01-01T00:00:00+01:00"
            """);

        Assert.Equal(
            [0UL, UnixNano(new DateTimeOffset(2026, 12, 15, 0, 0, 0, TimeSpan.Zero)), UnixNano(new DateTimeOffset(2026, 12, 31, 23, 0, 0, TimeSpan.Zero))],
            file.Models.Select(m => m.EffectiveFromUnixNano));
    }

    [Fact]
    public void Parse_SameModelForTwoProviders_BothKept()
    {
        PriceFile file = Read("models:\n  - name: m\n    input: 1\n    output: 2\n  - name: m\n    provider: groq\n    input: 3\n    output: 4\n");

        Assert.Equal([null, "groq"], file.Models.Select(m => m.Provider));
    }

    /// <summary>A valid entry to put a broken part into.</summary>
    private const string Entry = "models:\n  - name: claude\n    input: 3\n    output: 15\n";

    public static TheoryData<string, string> BadInput => new()
    {
        // YAML, the whole message (file, entry, key and what is wrong)
        {
            Entry + "    tiers:\n      - above_prompt_tokens: 200000\n        input: 6\n        output: 22.5\n      - above_prompt_tokens: 100000\n        input: 5\n        output: 20\n",
            "prices.yaml: models[0] (claude): tiers[1].above_prompt_tokens: 100000 is not above the tier before (200000): list tiers in ascending order"
        },
        {
            Entry + "    tiers:\n      - above_prompt_tokens: 100000\n        input: 6\n        output: 22.5\n      - above_prompt_tokens: 100000\n        input: 5\n        output: 20\n",
            "prices.yaml: models[0] (claude): tiers[1].above_prompt_tokens: 100000 is not above the tier before (100000): list tiers in ascending order"
        },
        {
            Entry + "    tiers:\n      - above_prompt_tokens: 0\n        input: 6\n        output: 22.5\n",
            "prices.yaml: models[0] (claude): tiers[0].above_prompt_tokens: 0 is not above 0"
        },
        {
            Entry + "    tiers:\n      - above_prompt_tokens: -5\n        input: 6\n        output: 22.5\n",
            "prices.yaml: models[0] (claude): tiers[0].above_prompt_tokens: -5 is not above 0"
        },
        {
            Entry + "    tiers:\n      - above_prompt_tokens: 200k\n        input: 6\n        output: 22.5\n",
            "prices.yaml: models[0] (claude): tiers[0].above_prompt_tokens: '200k' is not a whole number of tokens"
        },
        {
            Entry + "    tiers:\n      - input: 6\n        output: 22.5\n",
            "prices.yaml: models[0] (claude): tiers[0]: 'above_prompt_tokens' is required"
        },
        {
            Entry + "    tiers:\n      - above_prompt_tokens: 200000\n        input: 6\n",
            "prices.yaml: models[0] (claude): tiers[0]: 'input' and 'output' prices (USD per 1M tokens) are required"
        },
        {
            Entry + "    tiers:\n      - above_prompt_tokens: 200000\n        cache_read: 0.6\n",
            "prices.yaml: models[0] (claude): tiers[0]: 'input' and 'output' prices (USD per 1M tokens) are required"
        },
        {
            Entry + "    service_tiers:\n      priority: {}\n",
            "prices.yaml: models[0] (claude): service_tiers.priority: give rates (input, output, …) or a factor"
        },
        {
            Entry + "    service_tiers:\n      priority:\n",
            "prices.yaml: models[0] (claude): service_tiers.priority: give rates (input, output, …) or a factor"
        },
        {
            Entry + "    service_tiers:\n      priority: {cache_read: 0.5}\n",
            "prices.yaml: models[0] (claude): service_tiers.priority: give rates (input, output, …) or a factor"
        },
        {
            Entry + "    service_tiers:\n      priority: {input: 5}\n",
            "prices.yaml: models[0] (claude): service_tiers.priority: 'input' and 'output' prices (USD per 1M tokens) are required"
        },
        {
            Entry + "    service_tiers:\n      flex: {factor: 0.5, input: 1.5}\n",
            "prices.yaml: models[0] (claude): service_tiers.flex: give rates or a factor, not both"
        },
        {
            Entry + "    service_tiers:\n      flex: {factor: 0}\n",
            "prices.yaml: models[0] (claude): service_tiers.flex.factor: 0 is not above 0"
        },
        {
            Entry + "    service_tiers:\n      flex: {factor: half}\n",
            "prices.yaml: models[0] (claude): service_tiers.flex.factor: 'half' is not a number"
        },
        {
            Entry + "    service_tiers:\n      scale: {factor: 2}\n",
            "prices.yaml: models[0] (claude): service_tiers.scale: not a service tier; use priority, flex or batch (standard is the entry's own rates)"
        },
        {
            Entry + "    service_tiers:\n      standard: {factor: 2}\n",
            "prices.yaml: models[0] (claude): service_tiers.standard: not a service tier; use priority, flex or batch (standard is the entry's own rates)"
        },
        {
            Entry + "    tiers:\n      - above_prompt_tokens: 200000\n        input: 6\n        output: 22.5\n        service_tiers:\n          turbo: {factor: 2}\n",
            "prices.yaml: models[0] (claude): tiers[0]: service_tiers.turbo: not a service tier; use priority, flex or batch (standard is the entry's own rates)"
        },
        {
            "models:\n  - name: claude\n    input: 3\n    output: 15\n    cache_write_1h: -6\n",
            "prices.yaml: models[0] (claude): prices must not be negative: 'cache_write_1h' is -6"
        },
        {
            Entry + "    tiers:\n      - above_prompt_tokens: 200000\n        input: 6\n        output: 22.5\n        cache_read: -0.6\n",
            "prices.yaml: models[0] (claude): tiers[0]: prices must not be negative: 'cache_read' is -0.6"
        },
        {
            Entry + "    service_tiers:\n      priority: {input: 5, output: -25}\n",
            "prices.yaml: models[0] (claude): service_tiers.priority: prices must not be negative: 'output' is -25"
        },
        {
            "models:\n  - name: claude\n    input: 3\n    output: fifteen\n",
            "prices.yaml: models[0] (claude): 'output' is not a number: 'fifteen' (USD per 1M tokens)"
        },
        {
            "models:\n  - name: claude\n    input: \"3.00\"\n    output: 15\n",
            "prices.yaml: models[0] (claude): 'input' is not a number: '\"3.00\"' (USD per 1M tokens)"
        },
        {
            Entry + "    service_tiers:\n      batch: {factor: '0.5'}\n",
            "prices.yaml: models[0] (claude): service_tiers.batch.factor: '\"0.5\"' is not a number"
        },
        {
            Entry + "    tiers:\n      - above_prompt_tokens: 200000\n        input: 6\n        output: 22.5\n        cache_write: .nan\n",
            "prices.yaml: models[0] (claude): tiers[0]: 'cache_write' is not a number: '.nan' (USD per 1M tokens)"
        },
        {
            Entry + "    effective_from: next tuesday\n",
            "prices.yaml: models[0] (claude): 'effective_from' is not a date: 'next tuesday'; write an RFC 3339 instant such as 2026-12-15T00:00:00Z"
        },
        {
            Entry + "    effective_from: 1969-12-31\n",
            "prices.yaml: models[0] (claude): 'effective_from' is not a date: '1969-12-31'; write an RFC 3339 instant such as 2026-12-15T00:00:00Z"
        },
        {
            Entry + "    effective_from: 2026-12-15\n  - name: Claude\n    input: 4\n    output: 16\n    effective_from: 2026-12-15T00:00:00Z\n",
            "prices.yaml: models[1] (Claude): duplicate model name and effective_from"
        },
        {
            Entry + "  - name: claude\n    input: 4\n    output: 16\n",
            "prices.yaml: models[1] (claude): duplicate model name"
        },
        {
            Entry + "regions:\n  - prefix: \"\"\n    factor: 1.1\n",
            "prices.yaml: regions[0]: 'prefix' is required and must not be empty (e.g. \"eu.\")"
        },
        {
            Entry + "regions:\n  - factor: 1.1\n",
            "prices.yaml: regions[0]: 'prefix' is required and must not be empty (e.g. \"eu.\")"
        },
        {
            Entry + "regions:\n  - prefix: \"eu.\"\n    factor: 0\n",
            "prices.yaml: regions[0] (eu.): 'factor' (a positive number, e.g. 1.10) is required, not '0'"
        },
        {
            Entry + "regions:\n  - prefix: \"eu.\"\n    factor: -1.1\n",
            "prices.yaml: regions[0] (eu.): 'factor' (a positive number, e.g. 1.10) is required, not '-1.1'"
        },
        {
            Entry + "regions:\n  - prefix: \"eu.\"\n",
            "prices.yaml: regions[0] (eu.): 'factor' (a positive number, e.g. 1.10) is required"
        },
        {
            Entry + "regions:\n  - prefix: \"eu.\"\n    factor: 1.1\n  - prefix: \"EU.\"\n    factor: 1.2\n",
            "prices.yaml: regions[1] (EU.): duplicate prefix"
        },
        {
            Entry + "tools:\n  - name: search\n    per_call: a cent\n",
            "prices.yaml: tools[0] (search): 'per_call' (USD, not negative) is required, not 'a cent'"
        },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Parse_BadInput_RefusedNamingTheFileTheEntryAndTheKey(string yaml, string message)
    {
        var error = Assert.Throws<PriceTableException>(() => Read(yaml));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Parse_SeveralProblems_EveryOneNamed()
    {
        var error = Assert.Throws<PriceTableException>(() => Read(Entry +
            "    tiers:\n      - above_prompt_tokens: 0\n        input: 6\n        output: 22.5\n    service_tiers:\n      flex: {factor: -1}\n" +
            "regions:\n  - prefix: \"eu.\"\n    factor: 0\n"));

        Assert.Equal("prices.yaml: models[0] (claude): service_tiers.flex.factor: -1 is not above 0; " +
                     "models[0] (claude): tiers[0].above_prompt_tokens: 0 is not above 0; " +
                     "regions[0] (eu.): 'factor' (a positive number, e.g. 1.10) is required, not '0'", error.Message);
    }
}
