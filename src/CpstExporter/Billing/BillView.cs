namespace CpstExporter.Billing;

/// <summary>
/// The bill as it stands after the last import (<see cref="BillStore"/>): one amount per UTC day, provider and account,
/// each source's part chosen so no cent counts twice, accounts and providers folded to their bounds. Immutable: a new
/// import makes a new view, so readers take one without a lock.
/// </summary>
internal sealed class BillView
{
    public static readonly BillView Empty = new([]);

    private readonly Dictionary<(DateOnly Day, string Provider), decimal> _byDay = [];
    private readonly Dictionary<string, DateOnly[]> _days = new(StringComparer.Ordinal);

    /// <param name="amounts">One per day, provider and account, sorted by day, then provider and account (ordinal).</param>
    public BillView(BilledAmount[] amounts)
    {
        Amounts = amounts;
        var days = new Dictionary<string, SortedSet<DateOnly>>(StringComparer.Ordinal);
        foreach (BilledAmount amount in amounts)
        {
            var key = (amount.Day, amount.Provider);
            _byDay[key] = _byDay.TryGetValue(key, out decimal sum) ? Primitives.Saturating.Add(sum, amount.Usd) : amount.Usd;
            if (!days.TryGetValue(amount.Provider, out SortedSet<DateOnly>? set)) days[amount.Provider] = set = [];
            set.Add(amount.Day);
        }
        foreach (var (provider, set) in days) _days[provider] = [.. set];
        Providers = [.. _days.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>Every amount, sorted by day, then provider and account.</summary>
    public IReadOnlyList<BilledAmount> Amounts { get; }

    /// <summary>The providers the bill has, ordinal order.</summary>
    public IReadOnlyList<string> Providers { get; }

    public bool IsEmpty => Amounts.Count == 0;

    /// <summary>The days the bill has for <paramref name="provider"/>, in order; none for a provider it does not have.</summary>
    public ReadOnlySpan<DateOnly> Days(string provider) => _days.TryGetValue(provider, out DateOnly[]? days) ? days : [];

    /// <summary>What <paramref name="provider"/> billed on <paramref name="day"/> over its accounts; null when the bill has no amount for it.</summary>
    public decimal? Billed(DateOnly day, string provider) => _byDay.TryGetValue((day, provider), out decimal usd) ? usd : null;

    /// <summary>The latest day the bill has for <paramref name="provider"/>, the current one included.</summary>
    public DateOnly? LatestDay(string provider) => Days(provider) is { Length: > 0 } days ? days[^1] : null;

    /// <summary>
    /// The last billed day of <paramref name="provider"/>: the latest day before <paramref name="today"/> that the bill
    /// has for it. Today is left out because a provider bills it while it runs, so it is never whole.
    /// </summary>
    public DateOnly? LastBilledDay(string provider, DateOnly today)
    {
        ReadOnlySpan<DateOnly> days = Days(provider);
        for (int i = days.Length - 1; i >= 0; i--)
            if (days[i] < today) return days[i];
        return null;
    }

    /// <summary>
    /// Whether <paramref name="provider"/>'s bill of <paramref name="day"/> is complete: the bill has a later day of the
    /// provider, or the day ended more than a day before <paramref name="today"/> began (it is two days old).
    /// </summary>
    public bool IsComplete(DateOnly day, string provider, DateOnly today) =>
        day <= today.AddDays(-2) || (LatestDay(provider) is DateOnly latest && day < latest);
}
