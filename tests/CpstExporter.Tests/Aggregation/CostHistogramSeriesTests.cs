using CpstExporter.Aggregation;
using CpstExporter.Primitives;

namespace CpstExporter.Tests.Aggregation;

public class CostHistogramSeriesTests
{
    private static (long[] Counts, decimal Sum, long Count) Read(CostHistogramSeries series)
    {
        var counts = new long[CostHistogramSeries.Bounds.Length + 1];
        series.Read(counts, new Exemplar[counts.Length], out decimal sum, out long count);
        return (counts, sum, count);
    }

    [Fact]
    public void Observe_SumPastDecimalsMaximum_StaysThere_AndCountsGoOn()
    {
        var series = new CostHistogramSeries(["support", "success"]);

        series.Observe(decimal.MaxValue, new Exemplar(new TraceId(1, 1), decimal.MaxValue, 1000));
        series.Observe(decimal.MaxValue, default);
        series.Observe(0.002m, default);

        var (counts, sum, count) = Read(series);
        Assert.Equal(decimal.MaxValue, sum);
        Assert.Equal(3, count);
        Assert.Equal(2, counts[^1]);
        Assert.Equal(1, counts[CostHistogramSeries.BucketOf(0.002m)]);
    }

    [Fact]
    public void Observe_BucketAndCountAtTheirMaximum_StayThere()
    {
        var series = new CostHistogramSeries(["support", "success"]);
        SeriesState.SetEveryBucketCount(series, long.MaxValue - 1);

        for (int i = 0; i < 3; i++) series.Observe(0.00001m, default);
        series.Observe(1000m, default);

        var (counts, _, count) = Read(series);
        Assert.Equal(long.MaxValue, counts[0]);
        Assert.Equal(long.MaxValue, counts[^1]);
        Assert.Equal(long.MaxValue - 1, counts[1]);
        Assert.Equal(long.MaxValue, count);
    }
}
