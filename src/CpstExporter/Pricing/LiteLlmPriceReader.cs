using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CpstExporter.Primitives;

namespace CpstExporter.Pricing;

/// <summary>
/// Reads LiteLLM's <c>model_prices_and_context_window.json</c> as it is (docs/pricing.md): per-token USD prices,
/// prompt-size tiers (<c>…_above_&lt;N&gt;k_tokens</c>), service tiers (<c>…_priority</c>, <c>…_flex</c>,
/// <c>…_batches</c>), 1-hour cache writes (<c>…_above_1hr</c>), and <c>litellm_provider</c> mapped to
/// <c>gen_ai.provider.name</c> values. Entries of other modes (images, audio, rerank…) and keys the table does not use
/// are skipped and counted for the load log line; a price that is not a number refuses the file.
/// </summary>
internal static partial class LiteLlmPriceReader
{
    private const decimal TokensPerMillion = 1_000_000m;

    /// <summary>The modes whose entries are priced per token as chat, completion, responses or embedding calls.</summary>
    private static readonly HashSet<string> TokenModes = new(StringComparer.Ordinal) { "chat", "completion", "responses", "embedding" };

    /// <summary>LiteLLM's provider names that differ from <c>gen_ai.provider.name</c>'s; <c>vertex_ai-*</c> is matched by prefix.</summary>
    private static readonly Dictionary<string, string> Providers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["openai"] = "openai", ["text-completion-openai"] = "openai", ["anthropic"] = "anthropic",
        ["vertex_ai"] = "gcp.vertex_ai", ["gemini"] = "gcp.gemini",
        ["bedrock"] = "aws.bedrock", ["bedrock_converse"] = "aws.bedrock",
        ["azure"] = "azure.ai.openai", ["azure_text"] = "azure.ai.openai", ["azure_ai"] = "azure.ai.inference",
        ["mistral"] = "mistral_ai", ["codestral"] = "mistral_ai", ["xai"] = "x_ai", ["deepseek"] = "deepseek",
        ["groq"] = "groq", ["cohere"] = "cohere", ["cohere_chat"] = "cohere", ["perplexity"] = "perplexity",
        ["watsonx"] = "ibm.watsonx.ai",
    };

    /// <summary>A price key: the rate, an optional prompt tier in thousands of tokens, an optional service tier.</summary>
    [GeneratedRegex(@"^(?<rate>input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost_above_1hr|cache_creation_input_token_cost|output_cost_per_reasoning_token)(?:_above_(?<k>[0-9]{1,6})k_tokens)?(?:_(?<tier>priority|flex|batches))?$",
        RegexOptions.CultureInvariant)]
    private static partial Regex PriceKey();

    /// <exception cref="PriceTableException">Not a JSON object of entries, or a price that is not a non-negative number.</exception>
    public static PriceFile Parse(string text, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = false, MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new PriceTableException($"{source}: line {e.LineNumber + 1}: not JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new PriceTableException($"{source}: not a LiteLLM price list: the file must be a JSON object of entries keyed by model id");

            var errors = new List<string>();
            var models = new List<ModelPrice>();
            var seen = new Dictionary<(string, string?), (string Key, ModelPrice Entry)>();
            var skippedModes = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var unusedKeys = new SortedSet<string>(StringComparer.Ordinal);
            int entries = 0, withoutTokenPrice = 0, duplicates = 0;
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "sample_spec") continue;
                entries++;
                string where = $"'{property.Name}'";
                if (property.Value.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"{where}: an entry must be a JSON object of prices");
                    continue;
                }
                string mode = property.Value.TryGetProperty("mode", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "chat";
                if (!TokenModes.Contains(mode))
                {
                    skippedModes[mode] = skippedModes.GetValueOrDefault(mode) + 1;
                    continue;
                }
                if (ReadEntry(property, where, source, errors, unusedKeys) is not ModelPrice entry)
                {
                    withoutTokenPrice++;
                    continue;
                }
                var key = (entry.Name.ToLowerInvariant(), entry.Provider);
                if (seen.TryGetValue(key, out var earlier))
                {
                    // The same model under two keys ('gpt-4o' and 'openai/gpt-4o'): harmless when they agree.
                    if (!SamePrices(earlier.Entry, entry)) errors.Add($"{where}: same model and provider as '{earlier.Key}' with other prices");
                    duplicates++;
                    continue;
                }
                seen.Add(key, (property.Name, entry));
                models.Add(entry);
            }
            if (errors.Count > 0) throw new PriceTableException($"{source}: " + string.Join("; ", errors.Take(20)) + (errors.Count > 20 ? $"; and {errors.Count - 20} more" : ""));
            if (models.Count == 0) throw new PriceTableException($"{source}: no entry with per-token prices of a chat, completion, responses or embedding model");

            string skipped = string.Create(CultureInfo.InvariantCulture,
                $"{entries} entries, {models.Count} priced; skipped: {entries - models.Count - duplicates - withoutTokenPrice} of other modes ({string.Join(", ", skippedModes.Select(s => $"{s.Key} {s.Value}"))}), {withoutTokenPrice} without per-token prices, {duplicates} repeated under another key; {unusedKeys.Count} keys not used");
            return new PriceFile(source, models, [], new Dictionary<string, decimal>(), PriceFileReader.Version(text), skipped);
        }
    }

    private static ModelPrice? ReadEntry(JsonProperty property, string where, string source, List<string> errors, SortedSet<string> unusedKeys)
    {
        PartialRates baseRates = default;
        var tiers = new SortedDictionary<long, PartialRates>();
        var serviceTiers = new Dictionary<(long Above, ServiceTier Tier), PartialRates>();
        string? litellmProvider = null;
        int before = errors.Count;
        foreach (JsonProperty field in property.Value.EnumerateObject())
        {
            if (field.Name == "litellm_provider")
            {
                litellmProvider = field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString() : null;
                continue;
            }
            Match key = PriceKey().Match(field.Name);
            if (!key.Success)
            {
                if (field.Name != "mode") unusedKeys.Add(field.Name);
                continue;
            }
            // A price decimal holds but not per million tokens is out of range too: it would overflow below, outside any error.
            if (field.Value.ValueKind != JsonValueKind.Number ||
                !decimal.TryParse(field.Value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out decimal perToken) ||
                Math.Abs(perToken) > decimal.MaxValue / TokensPerMillion)
            {
                errors.Add($"{where}.{field.Name}: a price must be a JSON number (USD per token), not {Describe(field.Value)}");
                continue;
            }
            if (perToken < 0)
            {
                errors.Add($"{where}.{field.Name}: a price must not be negative");
                continue;
            }
            decimal perMillion = perToken * TokensPerMillion;
            long above = key.Groups["k"].Success ? long.Parse(key.Groups["k"].Value, CultureInfo.InvariantCulture) * 1000 : 0;
            ServiceTier tier = key.Groups["tier"].Value switch
            {
                "priority" => ServiceTier.Priority,
                "flex" => ServiceTier.Flex,
                "batches" => ServiceTier.Batch,
                _ => ServiceTier.Standard,
            };
            if (tier != ServiceTier.Standard)
                serviceTiers[(above, tier)] = With(serviceTiers.GetValueOrDefault((above, tier)), key.Groups["rate"].Value, perMillion);
            else if (above > 0)
                tiers[above] = With(tiers.GetValueOrDefault(above), key.Groups["rate"].Value, perMillion);
            else
                baseRates = With(baseRates, key.Groups["rate"].Value, perMillion);
        }
        if (errors.Count > before || baseRates.Input is null) return null;
        baseRates = baseRates with { Output = baseRates.Output ?? 0m }; // embeddings list no output price

        (string name, string? provider) = NameAndProvider(property.Name, litellmProvider);
        return new ModelPrice
        {
            Name = name,
            Provider = provider,
            ProviderOnlyChooses = true,
            Base = new PromptTier(0, baseRates.Resolve(), ServiceTiersAt(0, serviceTiers, in baseRates)),
            Tiers = tiers.Select(t => new PromptTier(t.Key, t.Value.Resolve(in baseRates), ServiceTiersAt(t.Key, serviceTiers, t.Value.Over(in baseRates)))).ToArray(),
            Source = $"{source}: {where}",
        };
    }

    private static ServiceTierPrice?[] ServiceTiersAt(long above, Dictionary<(long, ServiceTier), PartialRates> serviceTiers, in PartialRates baseRates)
    {
        var prices = new ServiceTierPrice?[ServiceTierLabels.Count];
        foreach (var ((at, tier), rates) in serviceTiers)
            if (at == above) prices[(int)tier] = ServiceTierPrice.OfRates(rates.Resolve(in baseRates));
        return prices;
    }

    private static PartialRates With(PartialRates rates, string rate, decimal perMillion) => rate switch
    {
        "input_cost_per_token" => rates with { Input = perMillion },
        "output_cost_per_token" => rates with { Output = perMillion },
        "cache_read_input_token_cost" => rates with { CacheRead = perMillion },
        "cache_creation_input_token_cost" => rates with { CacheWrite = perMillion },
        "cache_creation_input_token_cost_above_1hr" => rates with { CacheWrite1h = perMillion },
        _ => rates with { Reasoning = perMillion },
    };

    /// <summary>
    /// The model id without a provider prefix LiteLLM adds (<c>azure/gpt-4o</c>, <c>gemini/gemini-2.5-pro</c>), and the
    /// provider as <c>gen_ai.provider.name</c> names it.
    /// </summary>
    internal static (string Name, string? Provider) NameAndProvider(string key, string? litellmProvider)
    {
        string name = key;
        int slash = key.IndexOf('/');
        if (slash > 0)
        {
            string prefix = key[..slash];
            if (string.Equals(prefix, litellmProvider, StringComparison.OrdinalIgnoreCase) || Providers.ContainsKey(prefix) ||
                prefix.StartsWith("vertex_ai", StringComparison.OrdinalIgnoreCase))
            {
                name = key[(slash + 1)..];
                litellmProvider ??= prefix;
            }
        }
        return (name, ProviderName(litellmProvider));
    }

    internal static string? ProviderName(string? litellmProvider)
    {
        if (string.IsNullOrWhiteSpace(litellmProvider)) return null;
        if (Providers.TryGetValue(litellmProvider, out string? mapped)) return mapped;
        if (litellmProvider.StartsWith("vertex_ai", StringComparison.OrdinalIgnoreCase)) return "gcp.vertex_ai";
        return litellmProvider.ToLowerInvariant();
    }

    private static bool SamePrices(ModelPrice a, ModelPrice b) =>
        a.Base.Rates == b.Base.Rates && a.Tiers.Length == b.Tiers.Length &&
        a.Tiers.Zip(b.Tiers).All(t => t.First.AbovePromptTokens == t.Second.AbovePromptTokens && t.First.Rates == t.Second.Rates);

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Truncate(value.GetString() ?? "")}\"",
        JsonValueKind.Null => "null",
        JsonValueKind.Number => $"{Truncate(value.GetRawText())}, which is out of range",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Truncate(string text) => text.Length <= 32 ? text : text[..32] + "…";
}
