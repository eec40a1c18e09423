namespace CpstExporter.Pricing;

/// <summary>
/// The entries of one model name and provider in a price table: one per <c>effective_from</c>, oldest first, so a price
/// change announced for a date prices each call by the entry in force when the call ended.
/// </summary>
internal sealed class ModelVersions
{
    public ModelVersions(ModelPrice[] versions)
    {
        Versions = versions;
        ModelPrice first = versions[0];
        Name = first.Name;
        Provider = first.Provider;
        ProviderOnlyChooses = first.ProviderOnlyChooses;
        Patterns = versions.Select(v => v.Pattern).OfType<PricePattern>().DistinctBy(p => p.Text).ToArray();
    }

    public string Name { get; }
    public string? Provider { get; }
    public bool ProviderOnlyChooses { get; }

    /// <summary>By ascending <see cref="ModelPrice.EffectiveFromUnixNano"/>.</summary>
    public ModelPrice[] Versions { get; }

    /// <summary>The patterns of the versions, each once.</summary>
    public PricePattern[] Patterns { get; }

    /// <summary>The entry in force at <paramref name="unixNano"/>: the newest that took effect by then; null before the first.</summary>
    public ModelPrice? At(ulong unixNano)
    {
        ModelPrice[] versions = Versions;
        for (int i = versions.Length - 1; i >= 0; i--)
            if (versions[i].EffectiveFromUnixNano <= unixNano) return versions[i];
        return null;
    }

    public bool IsForProvider(string? provider) => string.Equals(Provider, provider, StringComparison.OrdinalIgnoreCase);

    public bool MatchesProvider(string? provider) =>
        Provider is null || provider is null || ProviderOnlyChooses || string.Equals(Provider, provider, StringComparison.OrdinalIgnoreCase);

    public bool Matches(string model)
    {
        foreach (PricePattern pattern in Patterns)
            if (pattern.IsMatch(model)) return true;
        return false;
    }
}
