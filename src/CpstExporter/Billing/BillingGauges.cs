namespace CpstExporter.Billing;

/// <summary>
/// The billing families of <c>/metrics</c> as one scrape reads them (docs/billing.md, "What is compared"): each is
/// present only when there is something to say, so an exporter without billing writes none of them.
/// </summary>
internal sealed class BillingGauges
{
    /// <summary><c>cpst_billed_cost_month_to_date_usd</c>: billed in the current UTC month, today included, per provider and account.</summary>
    public List<(string Provider, string Account, decimal Usd)> MonthToDate { get; } = [];

    /// <summary><c>cpst_billed_cost_last_day_usd</c>: billed on the provider's last billed day (<see cref="BillView.LastBilledDay"/>).</summary>
    public List<(string Provider, string Account, decimal Usd)> LastDay { get; } = [];

    /// <summary><c>cpst_billing_last_billed_day_timestamp_seconds</c>: the start (UTC midnight) of the provider's last billed day.</summary>
    public List<(string Provider, decimal Seconds)> LastBilledDay { get; } = [];

    /// <summary><c>cpst_traced_cost_last_day_usd</c>: the ledger's cost with the provider on its last billed day.</summary>
    public List<(string Provider, decimal Usd)> TracedLastDay { get; } = [];

    /// <summary><c>cpst_billing_coverage_ratio</c>: traced ÷ billed on the last billed day, when something was billed.</summary>
    public List<(string Provider, decimal Ratio)> Coverage { get; } = [];

    /// <summary><c>cpst_billing_last_import_timestamp_seconds</c>: sources that have imported, with when they last did.</summary>
    public List<(BillingSource Source, decimal Seconds)> LastImport { get; } = [];

    /// <summary><c>cpst_billing_import_failures_total</c>: every source once any has imported or failed.</summary>
    public List<(BillingSource Source, long Failures)> Failures { get; } = [];

    public static BillingGauges Read(BillStore bill, TracedCostLedger ledger, TimeProvider time)
    {
        var gauges = new BillingGauges();
        DateOnly today = BillingWindow.Today(time), monthStart = BillingWindow.MonthStart(today);
        BillView view = bill.View;
        if (!view.IsEmpty)
        {
            Dictionary<(DateOnly Day, string Provider), decimal> traced = ledger.ByDayAndProvider();
            var monthToDate = new SortedDictionary<(string Provider, string Account), decimal>(Comparer<(string Provider, string Account)>.Create(static (a, b) =>
                a.Provider != b.Provider ? string.CompareOrdinal(a.Provider, b.Provider) : string.CompareOrdinal(a.Account, b.Account)));
            var lastDays = new Dictionary<string, DateOnly?>(StringComparer.Ordinal);
            foreach (BilledAmount amount in view.Amounts)
            {
                if (amount.Day >= monthStart)
                    monthToDate[(amount.Provider, amount.Account)] = Primitives.Saturating.Add(monthToDate.GetValueOrDefault((amount.Provider, amount.Account)), amount.Usd);
                if (!lastDays.TryGetValue(amount.Provider, out DateOnly? last)) lastDays[amount.Provider] = last = view.LastBilledDay(amount.Provider, today);
                if (amount.Day == last) gauges.LastDay.Add((amount.Provider, amount.Account, amount.Usd));
            }
            foreach (var ((provider, account), usd) in monthToDate) gauges.MonthToDate.Add((provider, account, usd));
            gauges.LastDay.Sort(static (a, b) => a.Provider != b.Provider ? string.CompareOrdinal(a.Provider, b.Provider) : string.CompareOrdinal(a.Account, b.Account));
            foreach (string provider in view.Providers)
            {
                if (view.LastBilledDay(provider, today) is not DateOnly day) continue;
                gauges.LastBilledDay.Add((provider, BillingWindow.StartSeconds(day)));
                decimal tracedUsd = traced.GetValueOrDefault((day, provider));
                gauges.TracedLastDay.Add((provider, tracedUsd));
                if (BillingReport.Coverage(tracedUsd, view.Billed(day, provider)) is decimal ratio) gauges.Coverage.Add((provider, ratio));
            }
        }
        foreach (BillingSource source in Enum.GetValues<BillingSource>())
        {
            if (bill.LastImportMs(source) is long ms) gauges.LastImport.Add((source, ms / 1000m));
            if (bill.InUse) gauges.Failures.Add((source, bill.Failures(source)));
        }
        return gauges;
    }
}
