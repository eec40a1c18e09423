using System.Reflection;
using CpstExporter.Aggregation;

namespace CpstExporter.Tests.Support;

/// <summary>
/// Puts a series where no test could drive it by updates (9.2 × 10¹⁸ observations), so that what happens at the
/// maximum can be checked.
/// </summary>
internal static class SeriesState
{
    public static void SetEveryBucketCount(CostHistogramSeries series, long count)
    {
        var counts = (long[])typeof(CostHistogramSeries).GetField("Counts", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(series)!;
        Array.Fill(counts, count);
        typeof(CostHistogramSeries).GetField("Count", BindingFlags.NonPublic | BindingFlags.Instance)!.SetValue(series, long.MaxValue);
    }

    public static void SetCount(CountSeries series, long count) =>
        typeof(CountSeries).GetField("_count", BindingFlags.NonPublic | BindingFlags.Instance)!.SetValue(series, count);
}
