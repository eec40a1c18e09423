namespace CpstExporter.Aggregation;

/// <summary>
/// Accrues configured monthly costs continuously, at the FinOps convention of 730 hours a month, from the moment
/// the process started: <c>increase(cpst_supporting_cost_usd_total[w])</c> is then the window's share of the month.
/// A restart resets the counter, which Prometheus's <c>increase</c> handles as for any counter.
/// </summary>
internal sealed class SupportingCostAccrual(TimeProvider time)
{
    public const decimal MillisecondsPerMonth = 730m * 3600m * 1000m;

    private readonly DateTimeOffset _start = time.GetUtcNow();

    public decimal AccruedUsd(decimal monthlyUsd)
    {
        long elapsedMs = Math.Max(0, (long)(time.GetUtcNow() - _start).TotalMilliseconds);
        return monthlyUsd * elapsedMs / MillisecondsPerMonth;
    }
}
