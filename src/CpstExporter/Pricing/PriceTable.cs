using System.Collections.Concurrent;
using CpstExporter.Conventions;

namespace CpstExporter.Pricing;

/// <summary>
/// An immutable price table. A model is found by exact name (case-insensitive; an entry whose provider matches the
/// span's wins over one without a provider), then by the entries' regex patterns in file order. Lookups are cached
/// per (model, provider), bounded, because patterns are slow and the set of model names in use is small.
/// </summary>
internal sealed class PriceTable
{
    private const int MaxCachedLookups = 4096;

    private readonly Dictionary<string, ModelPrice[]> _byName;
    private readonly ModelPrice[] _patterns;
    private readonly Dictionary<string, decimal> _tools;
    private readonly ConcurrentDictionary<(string Model, string? Provider), ModelPrice?> _lookups = new();

    public static readonly PriceTable Empty = new([], new Dictionary<string, decimal>(), "empty");

    public PriceTable(IReadOnlyList<ModelPrice> models, IReadOnlyDictionary<string, decimal> tools, string version)
    {
        _byName = models.GroupBy(m => m.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.OrdinalIgnoreCase);
        _patterns = models.Where(m => m.Pattern is not null).ToArray();
        _tools = new Dictionary<string, decimal>(tools, StringComparer.OrdinalIgnoreCase);
        Models = models;
        Version = version;
    }

    /// <summary>A short hash of the file the table came from, shown on <c>cpst_pricing_info</c>.</summary>
    public string Version { get; }
    public IReadOnlyList<ModelPrice> Models { get; }
    public int ToolCount => _tools.Count;

    public ModelPrice? FindModel(string model, string? provider)
    {
        if (_lookups.TryGetValue((model, provider), out ModelPrice? cached)) return cached;
        ModelPrice? found = Search(model, provider);
        if (_lookups.Count < MaxCachedLookups) _lookups.TryAdd((model, provider), found);
        return found;
    }

    /// <summary>USD per call of a tool, or null when the table does not price it (the call then costs 0).</summary>
    public decimal? FindTool(string tool) => _tools.TryGetValue(tool, out decimal price) ? price : null;

    /// <summary>
    /// Exact names before patterns; within each, an entry for exactly the span's provider (for no provider, when the
    /// span names none) before one that merely does not contradict it.
    /// </summary>
    private ModelPrice? Search(string model, string? provider)
    {
        _byName.TryGetValue(model, out ModelPrice[]? named);
        named ??= [];
        return named.FirstOrDefault(p => p.IsForProvider(provider))
               ?? named.FirstOrDefault(p => p.MatchesProvider(provider))
               ?? _patterns.FirstOrDefault(p => p.IsForProvider(provider) && p.Pattern!.IsMatch(model))
               ?? _patterns.FirstOrDefault(p => p.MatchesProvider(provider) && p.Pattern!.IsMatch(model));
    }
}
