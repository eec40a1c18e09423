namespace CpstExporter.Billing;

/// <summary>
/// The days the bill and the ledger of traced cost keep (docs/billing.md): the current UTC month and the two before it,
/// so a month can be reconciled in full while the next is under way. What is older is dropped.
/// </summary>
internal static class BillingWindow
{
    /// <summary>The label value a folded provider, account or use case takes, as in the metrics.</summary>
    public const string Overflow = "__overflow__";

    /// <summary>Today, the UTC day of <paramref name="time"/>'s wall clock.</summary>
    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    /// <summary>The first day kept on <paramref name="today"/>: the first of the month two months before.</summary>
    public static DateOnly KeptFrom(DateOnly today) => new DateOnly(today.Year, today.Month, 1).AddMonths(-2);

    /// <summary>The first day of <paramref name="today"/>'s month: where month-to-date sums begin.</summary>
    public static DateOnly MonthStart(DateOnly today) => new(today.Year, today.Month, 1);

    /// <summary>The start of <paramref name="day"/>, UTC midnight, in seconds since the Unix epoch.</summary>
    public static long StartSeconds(DateOnly day) => (day.DayNumber - UnixEpochDay) * 86_400L;

    private static readonly int UnixEpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
}
