using System.Security.Cryptography;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace CpstExporter.Pricing;

/// <summary>Reads <c>pricing.yaml</c> (DESIGN.md §4) into a <see cref="PriceTable"/>, or says exactly what is wrong with it.</summary>
internal static class PriceTableLoader
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithEnforceRequiredMembers()
        .Build();

    /// <exception cref="PriceTableException">The file is missing, not YAML, or has invalid entries.</exception>
    public static PriceTable Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PriceTableException($"cannot read price table '{path}': {e.Message}");
        }
        return Parse(text, path);
    }

    public static PriceTable Parse(string text, string source)
    {
        PriceFile? file;
        try
        {
            file = Yaml.Deserialize<PriceFile?>(text);
        }
        catch (YamlException e)
        {
            string detail = e.InnerException?.Message ?? e.Message;
            throw new PriceTableException($"{source}: line {e.Start.Line}, column {e.Start.Column}: {detail}");
        }
        file ??= new PriceFile();
        // 'models:' with every entry commented out reads as null, not as an empty list.
        file.Models ??= [];
        file.Tools ??= [];

        var errors = new List<string>();
        var models = new List<ModelPrice>();
        var names = new HashSet<(string, string?)>();
        for (int i = 0; i < file.Models.Count; i++)
        {
            ModelEntry? entry = file.Models[i];
            if (entry is null) { errors.Add($"models[{i}]: empty entry"); continue; }
            string where = $"models[{i}]" + (string.IsNullOrWhiteSpace(entry.Name) ? "" : $" ({entry.Name})");
            if (string.IsNullOrWhiteSpace(entry.Name)) { errors.Add($"{where}: 'name' is required"); continue; }
            if (entry.Input is null || entry.Output is null) { errors.Add($"{where}: 'input' and 'output' prices (USD per 1M tokens) are required"); continue; }
            if (new[] { entry.Input, entry.Output, entry.CacheRead, entry.CacheWrite, entry.Reasoning }.Any(p => p < 0))
            { errors.Add($"{where}: prices must not be negative"); continue; }
            if (!names.Add((entry.Name.ToLowerInvariant(), entry.Provider?.ToLowerInvariant())))
            { errors.Add($"{where}: duplicate model name"); continue; }

            Regex? pattern = null;
            if (!string.IsNullOrEmpty(entry.Pattern))
            {
                try
                {
                    pattern = new Regex(entry.Pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
                }
                catch (ArgumentException e)
                {
                    errors.Add($"{where}: 'pattern' is not a valid regular expression: {e.Message}");
                    continue;
                }
            }

            models.Add(new ModelPrice
            {
                Name = entry.Name,
                Pattern = pattern,
                Provider = string.IsNullOrWhiteSpace(entry.Provider) ? null : entry.Provider,
                InputPerMillion = entry.Input.Value,
                OutputPerMillion = entry.Output.Value,
                CacheReadPerMillion = entry.CacheRead ?? entry.Input.Value,
                CacheWritePerMillion = entry.CacheWrite ?? entry.Input.Value,
                ReasoningPerMillion = entry.Reasoning ?? entry.Output.Value,
            });
        }

        var tools = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < file.Tools.Count; i++)
        {
            ToolEntry? entry = file.Tools[i];
            if (entry is null) errors.Add($"tools[{i}]: empty entry");
            else if (string.IsNullOrWhiteSpace(entry.Name)) errors.Add($"tools[{i}]: 'name' is required");
            else if (entry.PerCall is null or < 0) errors.Add($"tools[{i}] ({entry.Name}): 'per_call' (USD, not negative) is required");
            else if (!tools.TryAdd(entry.Name, entry.PerCall.Value)) errors.Add($"tools[{i}] ({entry.Name}): duplicate tool name");
        }

        // An empty file (a truncated write, a volume mounted before its content) would price every call at $0.
        if (file.Models.Count == 0) errors.Add("no models: a price table lists at least one model under 'models:'");
        if (errors.Count > 0) throw new PriceTableException($"{source}: " + string.Join("; ", errors));
        return new PriceTable(models, tools, Version(text));
    }

    private static string Version(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..12];

    private sealed class PriceFile
    {
        public List<ModelEntry?>? Models { get; set; } = [];
        public List<ToolEntry?>? Tools { get; set; } = [];
    }

    private sealed class ModelEntry
    {
        public string? Name { get; set; }
        public string? Pattern { get; set; }
        public string? Provider { get; set; }
        public decimal? Input { get; set; }
        public decimal? Output { get; set; }
        public decimal? CacheRead { get; set; }
        public decimal? CacheWrite { get; set; }
        public decimal? Reasoning { get; set; }
    }

    private sealed class ToolEntry
    {
        public string? Name { get; set; }
        public decimal? PerCall { get; set; }
    }
}
