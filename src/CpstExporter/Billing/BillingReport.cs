using CpstExporter.Primitives;

namespace CpstExporter.Billing;

/// <summary>
/// The bill beside the traced cost over a range of UTC days, as the rows of <c>GET /api/v1/billing</c> (docs/billing.md,
/// "The billing API"). Traced cost has a provider and no account, so it meets the bill per day and provider: by day each
/// row is one day of one provider; by provider the traced cost is summed over the days the bill has for the provider in
/// the range (a like-for-like comparison while the bill lags), over every day of the range for a provider it does not
/// have; by account the rows are the bill's alone.
/// </summary>
internal static class BillingReport
{
    /// <summary>Decimal places of a coverage ratio.</summary>
    public const int CoverageDecimals = 6;

    /// <param name="traced">The ledger's cost per day and provider (<see cref="TracedCostLedger.ByDayAndProvider"/>).</param>
    /// <param name="provider">Only this provider; null for all.</param>
    public static List<BillingRow> Rows(BillView bill, Dictionary<(DateOnly Day, string Provider), decimal> traced, DateOnly from, DateOnly to,
        string? provider, BillingGroup group)
    {
        bool InRange(DateOnly day, string p) => day >= from && day <= to && (provider is null || p == provider);
        return group switch
        {
            BillingGroup.Day => ByDay(bill, traced, InRange),
            BillingGroup.Provider => ByProvider(bill, traced, InRange),
            _ => ByAccount(bill, InRange),
        };
    }

    private static List<BillingRow> ByDay(BillView bill, Dictionary<(DateOnly Day, string Provider), decimal> traced, Func<DateOnly, string, bool> inRange)
    {
        var keys = new SortedSet<(DateOnly Day, string Provider)>(Comparer<(DateOnly Day, string Provider)>.Create(static (a, b) =>
            a.Day != b.Day ? a.Day.CompareTo(b.Day) : string.CompareOrdinal(a.Provider, b.Provider)));
        foreach (BilledAmount amount in bill.Amounts)
            if (inRange(amount.Day, amount.Provider)) keys.Add((amount.Day, amount.Provider));
        foreach (var key in traced.Keys)
            if (inRange(key.Day, key.Provider)) keys.Add(key);
        return [.. keys.Select(k => Row(k.Day, k.Provider, null, bill.Billed(k.Day, k.Provider), traced.GetValueOrDefault(k)))];
    }

    private static List<BillingRow> ByProvider(BillView bill, Dictionary<(DateOnly Day, string Provider), decimal> traced, Func<DateOnly, string, bool> inRange)
    {
        var providers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (BilledAmount amount in bill.Amounts)
            if (inRange(amount.Day, amount.Provider)) providers.Add(amount.Provider);
        foreach (var key in traced.Keys)
            if (inRange(key.Day, key.Provider)) providers.Add(key.Provider);
        var rows = new List<BillingRow>(providers.Count);
        foreach (string provider in providers)
        {
            decimal? billed = null;
            decimal tracedUsd = 0m;
            foreach (DateOnly day in bill.Days(provider))
            {
                if (!inRange(day, provider)) continue;
                billed = Saturating.Add(billed ?? 0m, bill.Billed(day, provider) ?? 0m);
                tracedUsd = Saturating.Add(tracedUsd, traced.GetValueOrDefault((day, provider)));
            }
            if (billed is null)
                foreach (var (key, usd) in traced)
                    if (key.Provider == provider && inRange(key.Day, provider)) tracedUsd = Saturating.Add(tracedUsd, usd);
            rows.Add(Row(null, provider, null, billed, tracedUsd));
        }
        return rows;
    }

    private static List<BillingRow> ByAccount(BillView bill, Func<DateOnly, string, bool> inRange)
    {
        var sums = new SortedDictionary<(string Provider, string Account), decimal>(Comparer<(string Provider, string Account)>.Create(static (a, b) =>
            a.Provider != b.Provider ? string.CompareOrdinal(a.Provider, b.Provider) : string.CompareOrdinal(a.Account, b.Account)));
        foreach (BilledAmount amount in bill.Amounts)
            if (inRange(amount.Day, amount.Provider))
                sums[(amount.Provider, amount.Account)] = Saturating.Add(sums.GetValueOrDefault((amount.Provider, amount.Account)), amount.Usd);
        return [.. sums.Select(s => new BillingRow(null, s.Key.Provider, s.Key.Account, s.Value, null, null, null))];
    }

    private static BillingRow Row(DateOnly? day, string provider, string? account, decimal? billed, decimal traced) =>
        new(day, provider, account, billed, traced, billed is decimal b ? Saturating.Add(b, -traced) : null, Coverage(traced, billed));

    /// <summary>Traced ÷ billed to <see cref="CoverageDecimals"/> places; null when nothing (or nothing above 0) was billed.</summary>
    public static decimal? Coverage(decimal traced, decimal? billed)
    {
        if (billed is not decimal b || b <= 0) return null;
        try
        {
            return Math.Round(traced / b, CoverageDecimals, MidpointRounding.ToEven);
        }
        catch (OverflowException)
        {
            return null; // a bill of a fraction of a cent beside a huge traced cost: no ratio to speak of
        }
    }
}
