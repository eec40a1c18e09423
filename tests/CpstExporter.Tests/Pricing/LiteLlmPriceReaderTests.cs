using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using static CpstExporter.Tests.Pricing.PricingFixtures;

namespace CpstExporter.Tests.Pricing;

/// <summary>
/// LiteLLM's <c>model_prices_and_context_window.json</c> read as it is (docs/pricing.md), every mapping rule on a small
/// list written here: per-token prices to per-1M exactly, cache and reasoning rates, prompt-size tiers, service tiers,
/// providers and their key prefixes, what is skipped and counted, and what refuses the file.
/// </summary>
public class LiteLlmPriceReaderTests
{
    private static PriceFile Read(string json) => LiteLlmPriceReader.Parse(json, "prices.json");

    private static ModelPrice Only(string json) => Assert.Single(Read(json).Models);

    // ---------------------------------------------------------------- rates

    [Fact]
    public void Parse_PerTokenPrices_PerMillionExactly()
    {
        ModelPrice entry = Only("""
            {"m": {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05, "cache_read_input_token_cost": 1.3e-07,
                   "cache_creation_input_token_cost": 3.75e-06, "cache_creation_input_token_cost_above_1hr": 6e-06,
                   "output_cost_per_reasoning_token": 0.00002, "litellm_provider": "openai", "mode": "chat"}}
            """);

        Assert.Equal(new TokenRates(Input: 3.00m, Output: 15.00m, CacheRead: 0.13m, CacheWrite: 3.75m, CacheWrite1h: 6.00m, Reasoning: 20m), entry.Base.Rates);
        Assert.Equal("0.13", entry.Base.Rates.CacheRead.ToString("0.##########", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Parse_OnlyInputAndOutput_CacheAtInputReasoningAtOutput()
    {
        ModelPrice entry = Only("""{"m": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, "mode": "chat"}}""");

        Assert.Equal(new TokenRates(2.5m, 10m, 2.5m, 2.5m, 2.5m, 10m), entry.Base.Rates);
    }

    [Fact]
    public void Parse_EmbeddingWithoutOutputPrice_OutputIsFree()
    {
        ModelPrice entry = Only("""{"e": {"input_cost_per_token": 1.3e-07, "mode": "embedding", "litellm_provider": "openai"}}""");

        Assert.Equal(new TokenRates(0.13m, 0m, 0.13m, 0.13m, 0.13m, 0m), entry.Base.Rates);
    }

    [Fact]
    public void Parse_PromptTiers_ByThresholdWithWhatTheyDoNotGiveFromTheBase()
    {
        ModelPrice entry = Only("""
            {"m": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "cache_read_input_token_cost": 1e-07,
                   "input_cost_per_token_above_272k_tokens": 3e-06, "output_cost_per_token_above_272k_tokens": 4e-06,
                   "input_cost_per_token_above_128k_tokens": 1.5e-06,
                   "input_cost_per_token_above_200k_tokens": 2e-06, "cache_read_input_token_cost_above_200k_tokens": 2e-07,
                   "cache_creation_input_token_cost_above_200k_tokens": 2.5e-06,
                   "cache_creation_input_token_cost_above_1hr_above_200k_tokens": 4e-06}}
            """);

        Assert.Equal([128_000L, 200_000L, 272_000L], entry.Tiers.Select(t => t.AbovePromptTokens));
        // What a tier's keys do not give, the base keys do (LiteLLM's own fallback); what neither gives is derived.
        Assert.Equal(new TokenRates(1.5m, 2m, 0.1m, 1.5m, 1.5m, 2m), entry.Tiers[0].Rates);
        Assert.Equal(new TokenRates(2m, 2m, 0.2m, 2.5m, 4m, 2m), entry.Tiers[1].Rates);
        Assert.Equal(new TokenRates(3m, 4m, 0.1m, 3m, 3m, 4m), entry.Tiers[2].Rates);
    }

    [Fact]
    public void Parse_ServiceTiers_PriorityFlexAndBatchesAtTheBaseAndAboveAThreshold()
    {
        ModelPrice entry = Only("""
            {"m": {"input_cost_per_token": 2e-06, "output_cost_per_token": 1.2e-05, "cache_read_input_token_cost": 2e-07,
                   "cache_creation_input_token_cost": 2.5e-06,
                   "input_cost_per_token_priority": 3.6e-06, "output_cost_per_token_priority": 2.16e-05, "cache_read_input_token_cost_priority": 3.6e-07,
                   "input_cost_per_token_flex": 1e-06, "output_cost_per_token_flex": 6e-06,
                   "input_cost_per_token_batches": 1e-06, "output_cost_per_token_batches": 6e-06,
                   "input_cost_per_token_above_200k_tokens": 4e-06, "output_cost_per_token_above_200k_tokens": 1.8e-05,
                   "cache_read_input_token_cost_above_200k_tokens": 4e-07, "cache_creation_input_token_cost_above_200k_tokens": 5e-06,
                   "input_cost_per_token_above_200k_tokens_priority": 7.2e-06, "output_cost_per_token_above_200k_tokens_priority": 3.24e-05,
                   "cache_read_input_token_cost_above_200k_tokens_priority": 7.2e-07,
                   "litellm_provider": "vertex_ai-language-models", "mode": "chat"}}
            """);

        Assert.Equal([ServiceTier.Batch, ServiceTier.Flex, ServiceTier.Priority], entry.Base.PricedServiceTiers());
        Assert.Equal(new TokenRates(3.6m, 21.6m, 0.36m, 2.5m, 2.5m, 21.6m), entry.Base.ServiceTier(ServiceTier.Priority)!.Rates);
        Assert.Equal(new TokenRates(1m, 6m, 0.2m, 2.5m, 2.5m, 6m), entry.Base.ServiceTier(ServiceTier.Flex)!.Rates);
        Assert.Equal(new TokenRates(1m, 6m, 0.2m, 2.5m, 2.5m, 6m), entry.Base.ServiceTier(ServiceTier.Batch)!.Rates);
        PromptTier longContext = Assert.Single(entry.Tiers);
        Assert.Equal([ServiceTier.Priority], longContext.PricedServiceTiers());
        // What the tier's priority keys do not give comes from the tier's own keys, then the entry's base keys (docs/pricing.md).
        Assert.Equal(new TokenRates(7.2m, 32.4m, 0.72m, 5m, 5m, 32.4m), longContext.ServiceTier(ServiceTier.Priority)!.Rates);
    }

    // ---------------------------------------------------------------- providers and names

    public static TheoryData<string?, string?> Providers => new()
    {
        { "vertex_ai-language-models", "gcp.vertex_ai" },
        { "vertex_ai-anthropic_models", "gcp.vertex_ai" },
        { "vertex_ai", "gcp.vertex_ai" },
        { "bedrock", "aws.bedrock" },
        { "bedrock_converse", "aws.bedrock" },
        { "azure", "azure.ai.openai" },
        { "azure_ai", "azure.ai.inference" },
        { "gemini", "gcp.gemini" },
        { "xai", "x_ai" },
        { "mistral", "mistral_ai" },
        { "openai", "openai" },
        { "text-completion-openai", "openai" },
        { "anthropic", "anthropic" },
        { "deepseek", "deepseek" },
        { "Moonshot", "moonshot" },          // one we do not map: lower-cased
        { "volcengine", "volcengine" },
        { null, null },
    };

    [Theory]
    [MemberData(nameof(Providers))]
    public void Parse_LiteLlmProvider_AsGenAiProviderName(string? litellmProvider, string? provider)
    {
        string field = litellmProvider is null ? "" : $", \"litellm_provider\": \"{litellmProvider}\"";

        ModelPrice entry = Only("{\"m\": {\"input_cost_per_token\": 1e-06, \"output_cost_per_token\": 2e-06" + field + "}}");

        Assert.Equal(provider, entry.Provider);
        Assert.True(entry.ProviderOnlyChooses);
    }

    public static TheoryData<string, string?, string, string?> Keys => new()
    {
        // key, litellm_provider, model name, provider
        { "azure/gpt-4o", "azure", "gpt-4o", "azure.ai.openai" },
        { "gemini/gemini-2.5-pro", "gemini", "gemini-2.5-pro", "gcp.gemini" },
        { "vertex_ai/claude-opus-4", "vertex_ai-anthropic_models", "claude-opus-4", "gcp.vertex_ai" },
        { "bedrock/anthropic.claude-3-haiku", null, "anthropic.claude-3-haiku", "aws.bedrock" },           // the prefix names the provider
        { "groq/openai/gpt-oss-20b", "groq", "openai/gpt-oss-20b", "groq" },                             // only the provider's own prefix
        { "meta-llama/llama-4-scout", "together_ai", "meta-llama/llama-4-scout", "together_ai" },         // not a provider: part of the id
        { "gpt-4o", "openai", "gpt-4o", "openai" },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void Parse_ProviderPrefixOfTheKey_Stripped(string key, string? litellmProvider, string name, string? provider)
    {
        string field = litellmProvider is null ? "" : $", \"litellm_provider\": \"{litellmProvider}\"";

        ModelPrice entry = Only($"{{\"{key}\": {{\"input_cost_per_token\": 1e-06, \"output_cost_per_token\": 2e-06{field}}}}}");

        Assert.Equal((name, provider), (entry.Name, entry.Provider));
    }

    // ---------------------------------------------------------------- skipped and counted

    [Fact]
    public void Parse_OtherModesRepeatsAndUnusedKeys_SkippedAndCounted()
    {
        PriceFile file = Read("""
            {
              "sample_spec": {"input_cost_per_token": "the price per input token", "mode": "one of: chat, embedding, ..."},
              "chat-a": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "max_tokens": 8192, "litellm_provider": "openai", "mode": "chat"},
              "openai/chat-a": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "litellm_provider": "openai", "mode": "chat"},
              "resp-b": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "supports_vision": true, "mode": "responses"},
              "dall-e": {"output_cost_per_image": 0.04, "litellm_provider": "openai", "mode": "image_generation"},
              "tts": {"input_cost_per_character": 1.5e-05, "mode": "audio_speech"},
              "whisper": {"input_cost_per_second": 0.0001, "mode": "audio_transcription"},
              "reranker": {"input_cost_per_query": 0.002, "mode": "rerank"},
              "audio-only": {"input_cost_per_audio_token": 4e-05, "mode": "chat"}
            }
            """);

        Assert.Equal(["chat-a", "resp-b"], file.Models.Select(m => m.Name));
        Assert.Equal("8 entries, 2 priced; skipped: 4 of other modes (audio_speech 1, audio_transcription 1, image_generation 1, rerank 1), " +
                     "1 without per-token prices, 1 repeated under another key; 3 keys not used", file.Skipped);
        Assert.Empty(file.Regions);
        Assert.Empty(file.Tools);
        Assert.Matches("^[0-9a-f]{12}$", file.Version);
    }

    // ---------------------------------------------------------------- the provider only chooses

    private const string VertexOnly = """
        {"gemini-2.5-pro": {"input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05, "litellm_provider": "vertex_ai-language-models"}}
        """;

    private const string BothProviders = """
        {"gemini-2.5-pro": {"input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05, "litellm_provider": "vertex_ai-language-models"},
         "gemini/gemini-2.5-pro": {"input_cost_per_token": 1e-06, "output_cost_per_token": 8e-06, "litellm_provider": "gemini"}}
        """;

    public static TheoryData<string, string?, string> ProviderChoices => new()
    {
        // list, span's provider, expected USD for 10,000 in / 1,000 out
        { VertexOnly, "gcp.gemini", "0.0225" },       // the only entry prices it whatever the span's provider: 10000 × 1.25 + 1000 × 10
        { VertexOnly, "gcp.vertex_ai", "0.0225" },
        { VertexOnly, null, "0.0225" },
        { BothProviders, "gcp.gemini", "0.018" },     // two providers' entries: the span's chooses: 10000 × 1 + 1000 × 8
        { BothProviders, "gcp.vertex_ai", "0.0225" },
    };

    [Theory]
    [MemberData(nameof(ProviderChoices))]
    public void Price_ProviderOfALiteLlmEntry_OnlyChoosesBetweenEntriesOfTheSameId(string json, string? provider, string expected)
    {
        PriceTable table = PriceLayers.Compose([Read(json)]);

        Assert.Equal(Usd(expected), Price(table, Call("gemini-2.5-pro", provider, 10_000, 1_000)).CostUsd);
    }

    // ---------------------------------------------------------------- one entry with everything, end to end

    private static readonly Lazy<PriceTable> Everything = new(() => PriceLayers.Compose([Read("""
        {"big-model": {
            "litellm_provider": "anthropic", "mode": "chat",
            "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05, "cache_read_input_token_cost": 3e-07,
            "cache_creation_input_token_cost": 3.75e-06, "cache_creation_input_token_cost_above_1hr": 6e-06,
            "output_cost_per_reasoning_token": 2e-05,
            "input_cost_per_token_above_200k_tokens": 6e-06, "output_cost_per_token_above_200k_tokens": 2.25e-05,
            "cache_read_input_token_cost_above_200k_tokens": 6e-07, "cache_creation_input_token_cost_above_200k_tokens": 7.5e-06,
            "cache_creation_input_token_cost_above_1hr_above_200k_tokens": 1.2e-05,
            "input_cost_per_token_priority": 5e-06, "output_cost_per_token_priority": 2.5e-05, "cache_read_input_token_cost_priority": 5e-07,
            "input_cost_per_token_above_200k_tokens_priority": 1e-05, "output_cost_per_token_above_200k_tokens_priority": 3.75e-05,
            "input_cost_per_token_flex": 1.5e-06, "output_cost_per_token_flex": 7.5e-06,
            "input_cost_per_token_batches": 1.5e-06, "output_cost_per_token_batches": 7.5e-06,
            "max_input_tokens": 1000000, "supports_prompt_caching": true}}
        """)]));

    public static TheoryData<long, string, string, string, bool> EverythingCalls => new()
    {
        // prompt (of which 50,000 cache reads and 40,000 cache writes, 10,000 of them for an hour); 3,000 output of which
        // 1,000 reasoning; served tier; expected USD; basis; the served tier unpriced
        // 10000 × 3 + 50000 × 0.3 + 30000 × 3.75 + 10000 × 6 + 2000 × 15 + 1000 × 20 = 267 500
        { 100_000, "standard", "0.2675", "table", false },
        // 10000 × 5 + 50000 × 0.5 + 30000 × 3.75 + 10000 × 6 + 2000 × 25 + 1000 × 20 = 317 500
        { 100_000, "priority", "0.3175", "table", false },
        // 10000 × 1.5 + 50000 × 0.3 + 30000 × 3.75 + 10000 × 6 + 2000 × 7.5 + 1000 × 20 = 237 500
        { 100_000, "flex", "0.2375", "table", false },
        { 100_000, "batch", "0.2375", "table", false },
        // 160000 × 6 + 50000 × 0.6 + 30000 × 7.5 + 10000 × 12 + 2000 × 22.5 + 1000 × 20 = 1 400 000
        { 250_000, "standard", "1.4", "table_long_context", false },
        // the tier's priority keys give input and output; the rest is the tier's own, then the base's, as written:
        // 160000 × 10 + 50000 × 0.6 + 30000 × 7.5 + 10000 × 12 + 2000 × 37.5 + 1000 × 20 = 2 070 000
        { 250_000, "priority", "2.07", "table_long_context", false },
        // no flex above 200k, and the base's flex is rates: the long-context standard rates, noted
        { 250_000, "flex", "1.4", "table_long_context", true },
    };

    [Theory]
    [MemberData(nameof(EverythingCalls))]
    public void Price_EntryWithEveryField_ToTheLastDigit(long prompt, string served, string expected, string basis, bool tierUnpriced)
    {
        Assert.True(ServiceTierLabels.TryParse(served, out ServiceTier tier));
        Assert.True(PricingBasisLabels.TryParse(basis, out PricingBasis expectedBasis));
        SpanFacts call = Call("big-model", "anthropic", prompt, 3_000, cacheRead: 50_000, cacheWrite: 40_000, cacheWrite1h: 10_000, reasoning: 1_000, tier: tier);

        CallPrice price = Price(Everything.Value, call);

        Assert.Equal(new CallPrice(Usd(expected), expectedBasis, tier, tierUnpriced ? CallPriceNotes.ServiceTierUnpriced : CallPriceNotes.None), price);
    }

    // ---------------------------------------------------------------- bad input

    public static TheoryData<string, string> BadInput => new()
    {
        { "[]", "prices.json: not a LiteLLM price list: the file must be a JSON object of entries keyed by model id" },
        { "\"gpt-4o\"", "prices.json: not a LiteLLM price list: the file must be a JSON object of entries keyed by model id" },
        { """{"gpt-4o": 5}""", "prices.json: 'gpt-4o': an entry must be a JSON object of prices" },
        { """{"gpt-4o": ["input_cost_per_token", 2.5e-06]}""", "prices.json: 'gpt-4o': an entry must be a JSON object of prices" },
        {
            """{"gpt-4o": {"input_cost_per_token": "2.5e-06", "output_cost_per_token": 1e-05}}""",
            "prices.json: 'gpt-4o'.input_cost_per_token: a price must be a JSON number (USD per token), not the string \"2.5e-06\""
        },
        {
            """{"gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": null}}""",
            "prices.json: 'gpt-4o'.output_cost_per_token: a price must be a JSON number (USD per token), not null"
        },
        {
            """{"gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, "cache_read_input_token_cost_priority": -1e-06}}""",
            "prices.json: 'gpt-4o'.cache_read_input_token_cost_priority: a price must not be negative"
        },
        {
            """{"gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e25}}""",
            "prices.json: 'gpt-4o'.output_cost_per_token: a price must be a JSON number (USD per token), not 1e25, which is out of range"
        },
        {
            """{"gpt-4o": {"input_cost_per_token": 1e400, "output_cost_per_token": 1e-05}}""",
            "prices.json: 'gpt-4o'.input_cost_per_token: a price must be a JSON number (USD per token), not 1e400, which is out of range"
        },
        {
            """{"gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, "litellm_provider": "openai"}, "openai/gpt-4o": {"input_cost_per_token": 5e-06, "output_cost_per_token": 1e-05, "litellm_provider": "openai"}}""",
            "prices.json: 'openai/gpt-4o': same model and provider as 'gpt-4o' with other prices"
        },
        {
            """{"dall-e-3": {"output_cost_per_image": 0.04, "mode": "image_generation"}, "audio": {"input_cost_per_audio_token": 4e-05}}""",
            "prices.json: no entry with per-token prices of a chat, completion, responses or embedding model"
        },
        { "{}", "prices.json: no entry with per-token prices of a chat, completion, responses or embedding model" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Parse_BadInput_RefusedNamingTheFileTheEntryAndTheKey(string json, string message)
    {
        var error = Assert.Throws<PriceTableException>(() => Read(json));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Parse_NotJson_RefusedWithTheLine()
    {
        var error = Assert.Throws<PriceTableException>(() => Read("{\n  \"gpt-4o\": {\"input_cost_per_token\": 2.5e-06,,}\n}"));

        Assert.StartsWith("prices.json: line 2: not JSON: ", error.Message);
    }

    [Fact]
    public void Read_JsonFile_ReadAsLiteLlm()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("cpst-litellm-").FullName, "model_prices_and_context_window.json");
        try
        {
            File.WriteAllText(path, """{"gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, "litellm_provider": "openai"}}""");

            PriceTable table = PriceTableLoader.Load(path);

            Assert.Equal(2.5m, table.FindModel("gpt-4o", "openai")?.Base.Rates.Input);
            Assert.Equal($"{path}: 'gpt-4o'", table.Models[0].Source);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
