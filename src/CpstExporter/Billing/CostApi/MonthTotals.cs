using CpstExporter.Primitives;

namespace CpstExporter.Billing.CostApi;

/// <summary>
/// A month's amounts summed per UTC day and account as the pages of a poll are read, exactly (decimal, saturating).
/// Bounded: past <see cref="MaxEntries"/> (day, account) pairs the response is not a bill this exporter can hold.
/// </summary>
internal sealed class MonthTotals(BillingSource source, string provider, BillingMonth month)
{
    /// <summary>31 days of more than 3,000 accounts each.</summary>
    public const int MaxEntries = 100_000;

    /// <summary>Longer than any provider's project or workspace id.</summary>
    public const int MaxAccountLength = 256;

    private readonly Dictionary<(DateOnly Day, string Account), decimal> _sums = [];

    public BillingMonth Month => month;

    /// <summary>Adds an amount in USD, already checked to be a number of 0 or more, of the bucket that starts at <paramref name="bucketStart"/>.</summary>
    /// <param name="account">The project or workspace; null for the one the provider names none for (empty in the bill).</param>
    /// <exception cref="CostApiException">The account id is implausibly long, or the month holds too many accounts.</exception>
    public void Add(DateTimeOffset bucketStart, string? account, decimal usd)
    {
        account ??= "";
        if (account.Length > MaxAccountLength)
            throw new CostApiException($"an account id of {account.Length} characters (at most {MaxAccountLength})");
        var key = (DateOnly.FromDateTime(bucketStart.UtcDateTime), account);
        if (_sums.TryGetValue(key, out decimal sum)) _sums[key] = Saturating.Add(sum, usd);
        else if (_sums.Count >= MaxEntries) throw new CostApiException($"more than {MaxEntries} days and accounts in {month.Scope}");
        else _sums[key] = usd;
    }

    /// <summary>Everything read for the month, ordered by day and account.</summary>
    public BillSnapshot ToSnapshot() => new(source, month.Scope,
        _sums.OrderBy(s => s.Key.Day).ThenBy(s => s.Key.Account, StringComparer.Ordinal)
            .Select(s => new BilledAmount(s.Key.Day, provider, s.Key.Account, s.Value)).ToArray());

    public decimal Total => _sums.Values.Aggregate(0m, Saturating.Add);
}
