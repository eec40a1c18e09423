using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Conventions;

/// <summary>
/// <c>Cpst:Conventions:&lt;Fact&gt;:&lt;n&gt;</c>: attribute names of in-house instrumentation, per fact, tried before the
/// built-in ones of docs/conventions.md. Default: none.
/// </summary>
internal sealed class ConventionOptions
{
    /// <summary>The facts an operator may name attributes for, by their configuration name.</summary>
    public static readonly IReadOnlyDictionary<string, Fact> ConfigurableFacts = new Dictionary<string, Fact>(StringComparer.OrdinalIgnoreCase)
    {
        ["UseCase"] = Fact.UseCase, ["Outcome"] = Fact.Outcome, ["Model"] = Fact.Model, ["Provider"] = Fact.Provider,
        ["InputTokens"] = Fact.InputTokens, ["OutputTokens"] = Fact.OutputTokens, ["CacheReadTokens"] = Fact.CacheReadTokens,
        ["CacheWriteTokens"] = Fact.CacheWriteTokens, ["CacheWrite1hTokens"] = Fact.CacheWrite1hTokens,
        ["ReasoningTokens"] = Fact.ReasoningTokens, ["ServiceTier"] = Fact.ServiceTier, ["ToolName"] = Fact.ToolName,
        ["CallCost"] = Fact.CallCost, ["TaskCost"] = Fact.TaskCost, ["Environment"] = Fact.Environment, ["Variant"] = Fact.Variant,
    };

    /// <summary>Most names per fact: each is one more key in the table every attribute is matched against.</summary>
    public const int MaxNamesPerFact = 16;

    public static readonly ConventionOptions None = new();

    /// <summary>Operator attribute names per fact, in the order they are tried.</summary>
    public IReadOnlyDictionary<Fact, string[]> Names { get; init; } = new Dictionary<Fact, string[]>();

    public string[] NamesOf(Fact fact) => Names.TryGetValue(fact, out string[]? names) ? names : [];

    /// <exception cref="CpstConfigurationException">An unknown fact, an empty name or too many names; the message names the key.</exception>
    public static ConventionOptions Read(IConfigurationSection section)
    {
        var names = new Dictionary<Fact, string[]>();
        foreach (IConfigurationSection factSection in section.GetChildren())
        {
            if (!ConfigurableFacts.TryGetValue(factSection.Key, out Fact fact))
                throw new CpstConfigurationException(
                    $"Cpst:Conventions:{factSection.Key} is not a fact; use one of {string.Join(", ", ConfigurableFacts.Keys)}");
            List<string> list = factSection.Value is { Length: > 0 } single
                ? [single]
                : factSection.GetChildren().Select(c => c.Value ?? "").ToList();
            foreach (string name in list)
                if (string.IsNullOrWhiteSpace(name))
                    throw new CpstConfigurationException($"Cpst:Conventions:{factSection.Key}: an attribute name is empty; give the attribute's full name, e.g. 'acme.llm.model'");
            if (list.Count > MaxNamesPerFact)
                throw new CpstConfigurationException($"Cpst:Conventions:{factSection.Key}: {list.Count} names, at most {MaxNamesPerFact}");
            names[fact] = list.Select(n => n.Trim()).ToArray();
        }
        return new ConventionOptions { Names = names };
    }
}
