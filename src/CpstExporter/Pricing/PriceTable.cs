using System.Collections.Concurrent;

namespace CpstExporter.Pricing;

/// <summary>
/// An immutable price table. A model is found by exact name (case-insensitive; an entry whose provider matches the
/// span's wins over one without a provider), then by the entries' regex patterns in file order. Lookups are cached
/// per (model, provider), because patterns are slow and the set of model names in use is small.
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

    private readonly Dictionary<string, ModelPrice[]> _byName;
    private readonly ModelPrice[] _patterns;
    private readonly Dictionary<string, decimal> _tools;
    private ConcurrentDictionary<(string Model, string? Provider), ModelPrice?> _lookups = new();
    private ConcurrentDictionary<(string Model, string? Provider), ModelPrice?> _previousLookups = new();
    private readonly Lock _rotating = new();

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
        var lookups = Volatile.Read(ref _lookups);
        if (lookups.TryGetValue((model, provider), out ModelPrice? cached)) return cached;
        if (!Volatile.Read(ref _previousLookups).TryGetValue((model, provider), out ModelPrice? found)) found = Search(model, provider);
        Remember(lookups, (model, provider), found);
        return found;
    }

    /// <summary>Entries in both cache generations, for tests of the bound.</summary>
    internal int CachedLookups => Volatile.Read(ref _lookups).Count + Volatile.Read(ref _previousLookups).Count;

    /// <summary>Whether a lookup is cached in either generation, for tests.</summary>
    internal bool IsCached(string model, string? provider) =>
        Volatile.Read(ref _lookups).ContainsKey((model, provider)) || Volatile.Read(ref _previousLookups).ContainsKey((model, provider));

    private void Remember(ConcurrentDictionary<(string, string?), ModelPrice?> lookups, (string, string?) key, ModelPrice? price)
    {
        if (lookups.Count >= MaxCachedLookups)
        {
            lock (_rotating)
            {
                if (ReferenceEquals(lookups, _lookups)) // not rotated meanwhile by another thread
                {
                    Volatile.Write(ref _previousLookups, lookups);
                    Volatile.Write(ref _lookups, new ConcurrentDictionary<(string, string?), ModelPrice?>());
                }
                lookups = _lookups;
            }
        }
        lookups.TryAdd(key, price);
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
