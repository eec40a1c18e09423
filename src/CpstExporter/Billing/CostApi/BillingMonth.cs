using System.Globalization;

namespace CpstExporter.Billing.CostApi;

/// <summary>
/// One UTC month a poll asks for: buckets from <see cref="From"/> up to <see cref="To"/>, which is the first of the next
/// month for a past month and the end of today for the current one (providers bill the day in progress as it goes).
/// <see cref="Scope"/> (<c>2026-11</c>) is the scope of its <see cref="BillSnapshot"/>.
/// </summary>
internal readonly record struct BillingMonth(DateTimeOffset From, DateTimeOffset To)
{
    public string Scope => From.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>Whether a bucket that starts at <paramref name="start"/> belongs to this month.</summary>
    public bool Holds(DateTimeOffset start) => start >= From && start < From.AddMonths(1);

    /// <summary>The months a poll at <paramref name="now"/> reads: the previous one (its late revisions), then the current one.</summary>
    public static BillingMonth[] ToPoll(DateTimeOffset now)
    {
        DateTimeOffset utc = now.ToUniversalTime();
        var current = new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var tomorrow = new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1);
        return [new BillingMonth(current.AddMonths(-1), current), new BillingMonth(current, tomorrow)];
    }
}
