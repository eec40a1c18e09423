using System.Globalization;
using CpstExporter.Primitives;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace CpstExporter.Pricing;

/// <summary>
/// Reads our price file (<c>pricing.yaml</c>, docs/pricing.md) into a <see cref="PriceFile"/>, or says exactly what is
/// wrong with it: every problem, each naming the entry and the key.
/// </summary>
internal static class PriceYamlReader
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithEnforceRequiredMembers()
        .Build();

    /// <exception cref="PriceTableException">The text is not YAML, or has invalid entries.</exception>
    public static PriceFile Parse(string text, string source)
    {
        FileShape? file;
        try
        {
            file = Yaml.Deserialize<FileShape?>(text);
        }
        catch (YamlException e)
        {
            string detail = e.InnerException?.Message ?? e.Message;
            throw new PriceTableException($"{source}: line {e.Start.Line}, column {e.Start.Column}: {detail}");
        }
        file ??= new FileShape();
        // 'models:' with every entry commented out reads as null, not as an empty list.
        file.Models ??= [];
        file.Tools ??= [];
        file.Regions ??= [];

        var errors = new List<string>();
        var models = new List<ModelPrice>();
        var keys = new HashSet<(string, string?, ulong)>();
        for (int i = 0; i < file.Models.Count; i++)
        {
            ModelShape? entry = file.Models[i];
            if (entry is null) { errors.Add($"models[{i}]: empty entry"); continue; }
            string where = $"models[{i}]" + (string.IsNullOrWhiteSpace(entry.Name) ? "" : $" ({entry.Name})");
            if (string.IsNullOrWhiteSpace(entry.Name)) { errors.Add($"{where}: 'name' is required"); continue; }
            if (ReadModel(entry, where, source, errors) is not ModelPrice model) continue;
            if (!keys.Add((model.Name.ToLowerInvariant(), model.Provider?.ToLowerInvariant(), model.EffectiveFromUnixNano)))
            {
                errors.Add($"{where}: duplicate model name" + (model.EffectiveFromUnixNano == 0 ? "" : " and effective_from"));
                continue;
            }
            models.Add(model);
        }

        var regions = new List<RegionFactor>();
        for (int i = 0; i < file.Regions.Count; i++)
        {
            RegionShape? entry = file.Regions[i];
            string where = $"regions[{i}]";
            if (entry is null) errors.Add($"{where}: empty entry");
            else if (string.IsNullOrWhiteSpace(entry.Prefix)) errors.Add($"{where}: 'prefix' is required and must not be empty (e.g. \"eu.\")");
            else if (!decimal.TryParse(entry.Factor, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal factor) || factor <= 0)
                errors.Add($"{where} ({entry.Prefix}): 'factor' (a positive number, e.g. 1.10) is required" + (entry.Factor is null ? "" : $", not '{entry.Factor}'"));
            else if (regions.Any(r => string.Equals(r.Prefix, entry.Prefix, StringComparison.OrdinalIgnoreCase))) errors.Add($"{where} ({entry.Prefix}): duplicate prefix");
            else regions.Add(new RegionFactor(entry.Prefix, factor));
        }

        var tools = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < file.Tools.Count; i++)
        {
            ToolShape? entry = file.Tools[i];
            if (entry is null) errors.Add($"tools[{i}]: empty entry");
            else if (string.IsNullOrWhiteSpace(entry.Name)) errors.Add($"tools[{i}]: 'name' is required");
            else if (!decimal.TryParse(entry.PerCall, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal perCall) || perCall < 0)
                errors.Add($"tools[{i}] ({entry.Name}): 'per_call' (USD, not negative) is required" + (entry.PerCall is null ? "" : $", not '{entry.PerCall}'"));
            else if (!tools.TryAdd(entry.Name, perCall)) errors.Add($"tools[{i}] ({entry.Name}): duplicate tool name");
        }

        // An empty file (a truncated write, a volume mounted before its content) would price every call at $0.
        if (file.Models.Count == 0) errors.Add("no models: a price table lists at least one model under 'models:'");
        if (errors.Count > 0) throw new PriceTableException($"{source}: " + string.Join("; ", errors));
        return new PriceFile(source, models, regions, tools, PriceFileReader.Version(text));
    }

    private static ModelPrice? ReadModel(ModelShape entry, string where, string source, List<string> errors)
    {
        int before = errors.Count;
        PricePattern? pattern = null;
        if (!string.IsNullOrEmpty(entry.Pattern))
        {
            try
            {
                pattern = PricePattern.Parse(entry.Pattern);
            }
            catch (ArgumentException e)
            {
                errors.Add($"{where}: 'pattern' is not a valid regular expression: {e.Message}");
            }
        }

        ulong effectiveFrom = 0;
        if (entry.EffectiveFrom is { } date && !TryParseInstant(date, out effectiveFrom))
            errors.Add($"{where}: 'effective_from' is not a date: '{date}'; write an RFC 3339 instant such as 2026-12-15T00:00:00Z");

        TokenRates? rates = ReadRates(entry, where, errors);
        // What a tier or service tier omits comes from the entry's own given rates (docs/pricing.md, "Rates a set does not give").
        PartialRates given = entry.Given(where, errors: null) ?? default;
        ServiceTierPrice?[] serviceTiers = ReadServiceTiers(entry.ServiceTiers, where, in given, errors);

        var tiers = new List<PromptTier>();
        List<TierShape?> tierEntries = entry.Tiers ?? [];
        long previous = 0;
        for (int t = 0; t < tierEntries.Count; t++)
        {
            string at = $"{where}: tiers[{t}]";
            if (tierEntries[t] is not TierShape tier) { errors.Add($"{at}: empty entry"); continue; }
            if (tier.AbovePromptTokens is not { } aboveText) { errors.Add($"{at}: 'above_prompt_tokens' is required"); continue; }
            if (!long.TryParse((string?)aboveText, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite,
                    CultureInfo.InvariantCulture, out long above))
            {
                errors.Add($"{at}.above_prompt_tokens: '{aboveText}' is not a whole number of tokens");
                continue;
            }
            if (above <= 0) { errors.Add($"{at}.above_prompt_tokens: {above} is not above 0"); continue; }
            if (above <= previous) { errors.Add($"{at}.above_prompt_tokens: {above} is not above the tier before ({previous}): list tiers in ascending order"); continue; }
            previous = above;
            if (ReadRates(tier, at, errors, in given) is TokenRates tierRates)
                tiers.Add(new PromptTier(above, tierRates, ReadServiceTiers(tier.ServiceTiers, at, (tier.Given(at, errors: null) ?? default).Over(in given), errors)));
        }

        if (errors.Count > before || rates is not TokenRates baseRates) return null;
        return new ModelPrice
        {
            Name = entry.Name!,
            Pattern = pattern,
            Provider = string.IsNullOrWhiteSpace(entry.Provider) ? null : entry.Provider,
            Base = new PromptTier(0, baseRates, serviceTiers),
            Tiers = [.. tiers],
            EffectiveFromUnixNano = effectiveFrom,
            Source = $"{source}: {where}",
        };
    }

    /// <summary>
    /// Input and output are required. A rate a tier or service tier does not give is the entry's own given rate; one
    /// neither gives is derived (<see cref="PartialRates.Resolve"/>): cache reads and writes at input, 1-hour writes at
    /// writes, reasoning at output.
    /// </summary>
    private static TokenRates? ReadRates(RatesShape shape, string where, List<string> errors, in PartialRates under = default)
    {
        if (shape.Input is null || shape.Output is null)
        {
            errors.Add($"{where}: 'input' and 'output' prices (USD per 1M tokens) are required");
            return null;
        }
        return shape.Given(where, errors) is PartialRates given ? given.Resolve(in under) : null;
    }

    private static ServiceTierPrice?[] ReadServiceTiers(Dictionary<string, ServiceTierShape?>? shapes, string where, in PartialRates under, List<string> errors)
    {
        var prices = new ServiceTierPrice?[ServiceTierLabels.Count];
        foreach (var (name, shape) in shapes ?? [])
        {
            string at = $"{where}: service_tiers.{name}";
            if (!ServiceTierLabels.TryParse(name, out ServiceTier tier) || tier == ServiceTier.Standard)
            {
                errors.Add($"{at}: not a service tier; use priority, flex or batch (standard is the entry's own rates)");
                continue;
            }
            if (shape is null) { errors.Add($"{at}: give rates (input, output, …) or a factor"); continue; }
            if (shape.Factor is { } factorNumber && (string?)factorNumber is string factorText)
            {
                if (!shape.IsEmpty) errors.Add($"{at}: give rates or a factor, not both");
                else if (!decimal.TryParse(factorText, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal factor))
                    errors.Add($"{at}.factor: '{factorText}' is not a number");
                else if (factor <= 0) errors.Add($"{at}.factor: {factor.ToString(CultureInfo.InvariantCulture)} is not above 0");
                else prices[(int)tier] = ServiceTierPrice.OfFactor(factor);
                continue;
            }
            if (shape.Input is null && shape.Output is null)
            {
                errors.Add($"{at}: give rates (input, output, …) or a factor");
                continue;
            }
            if (ReadRates(shape, at, errors, in under) is TokenRates rates) prices[(int)tier] = ServiceTierPrice.OfRates(rates);
        }
        return prices;
    }

    /// <summary>An RFC 3339 instant, or a date (midnight UTC), as Unix nanoseconds.</summary>
    internal static bool TryParseInstant(string text, out ulong unixNano)
    {
        unixNano = 0;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset instant))
            return false;
        if (instant < DateTimeOffset.UnixEpoch) return false;
        unixNano = (ulong)(instant - DateTimeOffset.UnixEpoch).Ticks * 100;
        return true;
    }

    /// <summary>
    /// A number as the file writes it. A quoted scalar ("2.50") is a string in YAML, not a price: it keeps its quotes,
    /// so it is refused as not a number, naming the key, like a word would be.
    /// </summary>
    private sealed class Number : IYamlConvertible
    {
        private string _text = "";

        public void Read(IParser parser, Type expectedType, ObjectDeserializer nestedObjectDeserializer)
        {
            Scalar scalar = parser.Consume<Scalar>();
            _text = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? $"\"{scalar.Value}\"" : scalar.Value;
        }

        public void Write(IEmitter emitter, ObjectSerializer nestedObjectSerializer) => throw new NotSupportedException();

        public static implicit operator string?(Number? number) => number?._text;

        public override string ToString() => _text;
    }

    private sealed class FileShape
    {
        public List<ModelShape?>? Models { get; set; } = [];
        public List<RegionShape?>? Regions { get; set; } = [];
        public List<ToolShape?>? Tools { get; set; } = [];
    }

    /// <summary>Prices are read as text and parsed here, so a price that is not a number is named by its entry and key.</summary>
    private class RatesShape
    {
        public Number? Input { get; set; }
        public Number? Output { get; set; }
        public Number? CacheRead { get; set; }
        public Number? CacheWrite { get; set; }
        [YamlMember(Alias = "cache_write_1h")]
        public Number? CacheWrite1h { get; set; }
        public Number? Reasoning { get; set; }

        [YamlIgnore]
        public bool IsEmpty => Input is null && Output is null && CacheRead is null && CacheWrite is null && CacheWrite1h is null && Reasoning is null;

        /// <summary>
        /// The rates given, each a non-negative number; null otherwise, with every problem added to <paramref name="errors"/>
        /// (null: the caller only wants the values, and another call reports the problems).
        /// </summary>
        public PartialRates? Given(string where, List<string>? errors)
        {
            bool valid = true;
            var given = new PartialRates(
                Price(Input, "input"), Price(Output, "output"), Price(CacheRead, "cache_read"),
                Price(CacheWrite, "cache_write"), Price(CacheWrite1h, "cache_write_1h"), Price(Reasoning, "reasoning"));
            return valid ? given : null;

            decimal? Price(string? text, string key)
            {
                if (text is null) return null;
                if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal price))
                {
                    errors?.Add($"{where}: '{key}' is not a number: '{text}' (USD per 1M tokens)");
                    valid = false;
                    return null;
                }
                if (price < 0)
                {
                    errors?.Add($"{where}: prices must not be negative: '{key}' is {text}");
                    valid = false;
                    return null;
                }
                return price;
            }
        }
    }

    private sealed class ModelShape : RatesShape
    {
        public string? Name { get; set; }
        public string? Pattern { get; set; }
        public string? Provider { get; set; }
        public List<TierShape?>? Tiers { get; set; }
        public Dictionary<string, ServiceTierShape?>? ServiceTiers { get; set; }
        public string? EffectiveFrom { get; set; }
    }

    private sealed class TierShape : RatesShape
    {
        public Number? AbovePromptTokens { get; set; }
        public Dictionary<string, ServiceTierShape?>? ServiceTiers { get; set; }
    }

    private sealed class ServiceTierShape : RatesShape
    {
        public Number? Factor { get; set; }
    }

    private sealed class RegionShape
    {
        public string? Prefix { get; set; }
        public Number? Factor { get; set; }
    }

    private sealed class ToolShape
    {
        public string? Name { get; set; }
        public Number? PerCall { get; set; }
    }
}
