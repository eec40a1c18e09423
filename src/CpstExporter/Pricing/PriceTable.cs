using System.Collections.Concurrent;

namespace CpstExporter.Pricing;

/// <summary>
/// An immutable price table (docs/pricing.md). A model is found by exact name (case-insensitive; an entry whose provider
/// matches the span's wins over one without a provider), then by the entries' patterns in file order; an id no entry
/// names whose prefix is a listed region (<c>eu.</c>) is looked up without it and priced times the region's factor.
/// Lookups are cached per (model, provider), because patterns are slow and the set of model names in use is small.
/// </summary>
/// <remarks>
/// The cache has two generations of at most <see cref="MaxCachedLookups"/> entries each. When the current one is full
/// it becomes the previous one and a new one starts; a name found in the previous generation moves to the current. So
/// names in use stay cached however many junk names a client sends, and the cache never holds more than twice the
/// bound: the same scheme as a clock cache, without a lock or per-hit bookkeeping.
/// </remarks>
internal sealed class PriceTable
{
    internal const int MaxCachedLookups = 4096;

    private readonly Dictionary<string, ModelVersions[]> _byName;
    private readonly ModelVersions[] _patterns;
    private readonly Dictionary<string, decimal> _tools;
    /// <summary>Longest prefix first, so <c>apac.</c> is not mistaken for a shorter one.</summary>
    private readonly RegionFactor[] _regions;
    private ConcurrentDictionary<(string Model, string? Provider), PriceMatch> _lookups = new();
    private ConcurrentDictionary<(string Model, string? Provider), PriceMatch> _previousLookups = new();
    private readonly Lock _rotating = new();

    public static readonly PriceTable Empty = new([], new Dictionary<string, decimal>(), "empty");

    public PriceTable(IReadOnlyList<ModelPrice> models, IReadOnlyDictionary<string, decimal> tools, string version,
        IReadOnlyList<RegionFactor>? regions = null)
    {
        ModelVersions[] groups = models
            .GroupBy(m => (Name: m.Name.ToLowerInvariant(), Provider: m.Provider?.ToLowerInvariant()))
            .Select(g => new ModelVersions(g.OrderBy(m => m.EffectiveFromUnixNano).ToArray()))
            .ToArray();
        _byName = groups.GroupBy(g => g.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.OrdinalIgnoreCase);
        _patterns = groups.Where(g => g.Patterns.Length > 0).ToArray();
        _tools = new Dictionary<string, decimal>(tools, StringComparer.OrdinalIgnoreCase);
        _regions = (regions ?? []).OrderByDescending(r => r.Prefix.Length).ToArray();
        Models = models;
        Regions = regions ?? [];
        Version = version;
    }

    /// <summary>A short hash of the files the table came from, shown on <c>cpst_pricing_info</c>.</summary>
    public string Version { get; }
    public IReadOnlyList<ModelPrice> Models { get; }
    public IReadOnlyList<RegionFactor> Regions { get; }
    public int ToolCount => _tools.Count;
    public IEnumerable<KeyValuePair<string, decimal>> Tools => _tools;

    /// <summary>The entries that price <paramref name="model"/> for a span of <paramref name="provider"/>, and its region factor.</summary>
    public PriceMatch Find(string model, string? provider)
    {
        var lookups = Volatile.Read(ref _lookups);
        if (lookups.TryGetValue((model, provider), out PriceMatch cached)) return cached;
        if (!Volatile.Read(ref _previousLookups).TryGetValue((model, provider), out PriceMatch found)) found = Search(model, provider);
        Remember(lookups, (model, provider), found);
        return found;
    }

    /// <summary>The newest entry for a model, whatever its date: for tests and tools that price without a time.</summary>
    public ModelPrice? FindModel(string model, string? provider) => Find(model, provider).Entries?.At(ulong.MaxValue);

    /// <summary>Entries in both cache generations, for tests of the bound.</summary>
    internal int CachedLookups => Volatile.Read(ref _lookups).Count + Volatile.Read(ref _previousLookups).Count;

    /// <summary>Whether a lookup is cached in either generation, for tests.</summary>
    internal bool IsCached(string model, string? provider) =>
        Volatile.Read(ref _lookups).ContainsKey((model, provider)) || Volatile.Read(ref _previousLookups).ContainsKey((model, provider));

    /// <summary>Patterns that timed out on a model id since the last call, each reported once.</summary>
    public IEnumerable<PricePattern> TakeTimedOutPatterns() =>
        _patterns.SelectMany(g => g.Patterns).Where(p => p.TakeTimeoutNotice()).ToArray();

    private void Remember(ConcurrentDictionary<(string, string?), PriceMatch> lookups, (string, string?) key, PriceMatch price)
    {
        if (lookups.Count >= MaxCachedLookups)
        {
            lock (_rotating)
            {
                if (ReferenceEquals(lookups, _lookups)) // not rotated meanwhile by another thread
                {
                    Volatile.Write(ref _previousLookups, lookups);
                    Volatile.Write(ref _lookups, new ConcurrentDictionary<(string, string?), PriceMatch>());
                }
                lookups = _lookups;
            }
        }
        lookups.TryAdd(key, price);
    }

    /// <summary>USD per call of a tool, or null when the table does not price it (the call then costs 0).</summary>
    public decimal? FindTool(string tool) => _tools.TryGetValue(tool, out decimal price) ? price : null;

    private PriceMatch Search(string model, string? provider)
    {
        if (SearchEntries(model, provider) is ModelVersions whole) return new PriceMatch(whole, 1m);
        foreach (RegionFactor region in _regions)
        {
            if (model.Length <= region.Prefix.Length || !model.StartsWith(region.Prefix, StringComparison.OrdinalIgnoreCase)) continue;
            if (SearchEntries(model[region.Prefix.Length..], provider) is ModelVersions regional) return new PriceMatch(regional, region.Factor);
        }
        return default;
    }

    /// <summary>
    /// Exact names before patterns; within each, an entry for exactly the span's provider (for no provider, when the
    /// span names none) before one that merely does not contradict it.
    /// </summary>
    private ModelVersions? SearchEntries(string model, string? provider)
    {
        _byName.TryGetValue(model, out ModelVersions[]? named);
        named ??= [];
        return named.FirstOrDefault(p => p.IsForProvider(provider))
               ?? named.FirstOrDefault(p => p.MatchesProvider(provider))
               ?? _patterns.FirstOrDefault(p => p.IsForProvider(provider) && p.Matches(model))
               ?? _patterns.FirstOrDefault(p => p.MatchesProvider(provider) && p.Matches(model));
    }
}
