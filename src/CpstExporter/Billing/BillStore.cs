using System.Text;
using CpstExporter.Conventions;
using CpstExporter.Primitives;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Billing;

/// <summary>
/// What the bill sources imported (docs/billing.md, "What is compared"), as one <see cref="BillView"/>. Each source's
/// snapshot replaces its scope whole; the view is made again from every scope on each change, which happens a few times
/// an hour. When two sources bill the same provider on the same day (OpenAI's costs API and a FOCUS export that also
/// lists OpenAI), the provider's own API wins and the FOCUS rows of that provider and day are left out: each bills the
/// same spend under its own account names, so summing would count it twice, and the API is the nearer to the invoice.
/// Bounded: days of the kept months only (<see cref="BillingWindow"/>), at most <see cref="MaxProviders"/> providers and
/// <see cref="ReconciliationOptions.MaxAccountsPerProvider"/> accounts each, the rest folded into <c>__overflow__</c>.
/// Thread-safe: imports take one lock; readers take the view as it is.
/// </summary>
internal sealed partial class BillStore(ReconciliationOptions options, TimeProvider time, ILogger<BillStore> logger) : IBillSink
{
    /// <summary>Providers kept apart, the largest by spend; the bill of the rest is summed under the provider <c>__overflow__</c>.</summary>
    public const int MaxProviders = 32;

    private static readonly BillingSource[] Sources = Enum.GetValues<BillingSource>();

    private readonly Lock _lock = new();
    private readonly Dictionary<(BillingSource Source, string Scope), BilledAmount[]> _scopes = [];
    private readonly long[] _failures = new long[Sources.Length];
    /// <summary>When each source last replaced a scope, Unix milliseconds; 0 never.</summary>
    private readonly long[] _lastImportMs = new long[Sources.Length];
    private BillView _view = BillView.Empty;
    private int _used;

    /// <summary>The bill as of the last import.</summary>
    public BillView View => Volatile.Read(ref _view);

    /// <summary>Whether any source has imported, removed or failed: the billing families are then written.</summary>
    public bool InUse => Volatile.Read(ref _used) != 0;

    /// <summary>Imports of <paramref name="source"/> that failed since start (<c>cpst_billing_import_failures_total</c>).</summary>
    public long Failures(BillingSource source) => Interlocked.Read(ref _failures[(int)source]);

    /// <summary>When <paramref name="source"/> last replaced a scope, Unix milliseconds; null when it never did.</summary>
    public long? LastImportMs(BillingSource source) => Interlocked.Read(ref _lastImportMs[(int)source]) is > 0 and long ms ? ms : null;

    public void Replace(BillSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        DateOnly today = BillingWindow.Today(time);
        DateOnly from = BillingWindow.KeptFrom(today), to = today.AddDays(1);
        var sums = new Dictionary<(DateOnly Day, string Provider, string Account), decimal>();
        int outside = 0;
        foreach (BilledAmount amount in snapshot.Amounts ?? [])
        {
            // A provider's time zone may put its day ahead of UTC's: tomorrow is kept, later days are not a bill yet.
            if (amount.Day < from || amount.Day > to)
            {
                outside++;
                continue;
            }
            var key = (amount.Day, Label(amount.Provider, MissingLabels.Unknown), Label(amount.Account, ""));
            sums[key] = sums.TryGetValue(key, out decimal sum) ? Saturating.Add(sum, amount.Usd) : amount.Usd;
        }
        BilledAmount[] kept = Fold([.. sums.Select(s => new BilledAmount(s.Key.Day, s.Key.Provider, s.Key.Account, s.Value))], out int folded);
        lock (_lock)
        {
            _scopes[(snapshot.Source, snapshot.Scope ?? "")] = kept;
            Rebuild(today);
            Interlocked.Exchange(ref _lastImportMs[(int)snapshot.Source], time.GetUtcNow().ToUnixTimeMilliseconds());
            Volatile.Write(ref _used, 1);
        }
        LogReplaced(snapshot.Source.LabelValue(), snapshot.Scope ?? "", kept.Length, outside, folded);
    }

    public void Remove(BillingSource source, string scope)
    {
        lock (_lock)
        {
            bool removed = _scopes.Remove((source, scope ?? ""));
            if (removed) Rebuild(BillingWindow.Today(time));
            Volatile.Write(ref _used, 1);
            if (!removed) return;
        }
        LogRemoved(source.LabelValue(), scope ?? "");
    }

    public void Failed(BillingSource source, string reason)
    {
        Saturating.AddInterlocked(ref _failures[(int)source], 1);
        Volatile.Write(ref _used, 1);
        LogFailed(source.LabelValue(), reason);
    }

    /// <summary>A provider or account as a label value: as the metrics write any label value, and lower-case for a provider as spans give it.</summary>
    private static string Label(string? value, string missing)
    {
        if (string.IsNullOrEmpty(value)) return missing;
        string label = LabelValueCache.Decode(Encoding.UTF8.GetBytes(value));
        return missing == MissingLabels.Unknown ? label.ToLowerInvariant() : label;
    }

    /// <summary>Under the lock: the view made again from every scope, each day and provider from its preferred source.</summary>
    private void Rebuild(DateOnly today)
    {
        DateOnly from = BillingWindow.KeptFrom(today);
        // Days that left the kept months go, and a scope left with none (a month polled long ago) with them.
        foreach (var (key, amounts) in _scopes.ToList())
        {
            if (!amounts.Any(a => a.Day < from)) continue;
            BilledAmount[] kept = [.. amounts.Where(a => a.Day >= from)];
            if (kept.Length == 0) _scopes.Remove(key);
            else _scopes[key] = kept;
        }
        var preferred = new Dictionary<(DateOnly, string), int>();
        foreach (var ((source, _), amounts) in _scopes)
            foreach (BilledAmount amount in amounts)
            {
                var key = (amount.Day, amount.Provider);
                if (!preferred.TryGetValue(key, out int rank) || Rank(source) < rank) preferred[key] = Rank(source);
            }
        var sums = new Dictionary<(DateOnly Day, string Provider, string Account), decimal>();
        foreach (var ((source, _), amounts) in _scopes)
            foreach (BilledAmount amount in amounts)
            {
                if (preferred[(amount.Day, amount.Provider)] != Rank(source)) continue;
                var key = (amount.Day, amount.Provider, amount.Account);
                sums[key] = sums.TryGetValue(key, out decimal sum) ? Saturating.Add(sum, amount.Usd) : amount.Usd;
            }
        BilledAmount[] amountsNow = Fold([.. sums.Select(s => new BilledAmount(s.Key.Day, s.Key.Provider, s.Key.Account, s.Value))], out _);
        Array.Sort(amountsNow, static (a, b) =>
        {
            int byDay = a.Day.CompareTo(b.Day);
            if (byDay != 0) return byDay;
            int byProvider = string.CompareOrdinal(a.Provider, b.Provider);
            return byProvider != 0 ? byProvider : string.CompareOrdinal(a.Account, b.Account);
        });
        Volatile.Write(ref _view, new BillView(amountsNow));
    }

    /// <summary>A provider's own cost API before a FOCUS export that also lists it.</summary>
    private static int Rank(BillingSource source) => source == BillingSource.Focus ? 1 : 0;

    /// <summary>
    /// Keeps the <see cref="MaxProviders"/> providers and, of each, the <see cref="ReconciliationOptions.MaxAccountsPerProvider"/>
    /// accounts with the most spend (ties in ordinal order); the others are summed into <c>__overflow__</c>.
    /// </summary>
    private BilledAmount[] Fold(BilledAmount[] amounts, out int foldedAccounts)
    {
        foldedAccounts = 0;
        HashSet<string> providers = Largest(amounts.GroupBy(a => a.Provider), MaxProviders);
        var byProvider = amounts.GroupBy(a => providers.Contains(a.Provider) ? a.Provider : BillingWindow.Overflow);
        var folded = new Dictionary<(DateOnly Day, string Provider, string Account), decimal>();
        foreach (var group in byProvider)
        {
            HashSet<string> accounts = Largest(group.GroupBy(a => a.Account), options.MaxAccountsPerProvider);
            foldedAccounts += group.Select(a => a.Account).Distinct().Count(a => !accounts.Contains(a));
            if (group.Key == BillingWindow.Overflow) accounts = [BillingWindow.Overflow]; // providers past the bound: one series
            foreach (BilledAmount amount in group)
            {
                var key = (amount.Day, group.Key, accounts.Contains(amount.Account) ? amount.Account : BillingWindow.Overflow);
                folded[key] = folded.TryGetValue(key, out decimal sum) ? Saturating.Add(sum, amount.Usd) : amount.Usd;
            }
        }
        return [.. folded.Select(f => new BilledAmount(f.Key.Day, f.Key.Provider, f.Key.Account, f.Value))];
    }

    /// <summary>The <paramref name="count"/> keys with the most spend, and <c>__overflow__</c>, which an earlier fold made and is always kept.</summary>
    private static HashSet<string> Largest(IEnumerable<IGrouping<string, BilledAmount>> groups, int count) =>
        [.. groups.Where(g => g.Key != BillingWindow.Overflow).Select(g => (g.Key, Usd: g.Aggregate(0m, (sum, a) => Saturating.Add(sum, a.Usd))))
            .OrderByDescending(g => g.Usd).ThenBy(g => g.Key, StringComparer.Ordinal).Take(count).Select(g => g.Key), BillingWindow.Overflow];

    [LoggerMessage(EventId = 540, Level = LogLevel.Information,
        Message = "Bill from {Source} ({Scope}) replaced: {Amounts} amounts by day, provider and account; {Outside} outside the kept months skipped; {Folded} accounts past Cpst:Billing:MaxAccountsPerProvider summed into __overflow__")]
    private partial void LogReplaced(string source, string scope, int amounts, int outside, int folded);

    [LoggerMessage(EventId = 541, Level = LogLevel.Information, Message = "Bill from {Source} ({Scope}) removed: its amounts no longer count")]
    private partial void LogRemoved(string source, string scope);

    [LoggerMessage(EventId = 542, Level = LogLevel.Warning, Message = "Bill import from {Source} failed; what it imported before stays: {Reason}")]
    private partial void LogFailed(string source, string reason);
}
