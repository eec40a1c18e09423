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

    /// <summary>
    /// The native bucket of a cost computed another way than the series does: bucket i of schema 3 is
    /// (2^((i-1)/8), 2^(i/8)], so i = ⌈8·log2(cost)⌉ by the logarithm, where the series uses the cost's binary exponent
    /// and a table of bounds. Null for a cost so near a bound that a logarithm in doubles cannot say which side it is on.
    /// </summary>
    private static int? IndexByLogarithm(decimal cost)
    {
        double scaled = Math.Log2((double)cost) * 8;
        double nearest = Math.Round(scaled);
        if (Math.Abs(scaled - nearest) < 1e-9) return null;
        return (int)Math.Ceiling(scaled);
    }

    private static int NativeIndex(decimal cost) => CostHistogramSeries.NativeBucketOf(cost) + CostHistogramSeries.NativeMinIndex;

    public static TheoryData<decimal> KnownCosts => new()
    {
        0.000001m, 0.0000015m, 0.00001m, 0.0001m, 0.00042m, 0.001m, 0.0045m, 0.01m, 0.0123m, 0.03m, 0.05m, 0.12m, 0.3m,
        0.99m, 1.01m, 1.5m, 3m, 7.77m, 12.34m, 42m, 99.99m, 100m, 250m, 999.99m, 1000m,
    };

    [Theory]
    [MemberData(nameof(KnownCosts))]
    public void NativeBucketOf_KnownCost_IsTheBucketTheLogarithmGives(decimal cost)
    {
        Assert.Equal(IndexByLogarithm(cost) ?? throw new InvalidOperationException($"{cost} is on a bound"), NativeIndex(cost));
    }

    [Fact]
    public void NativeBucketOf_PowerOfTwo_ClosesItsBucket_AndTheLeastMoreOpensTheNext()
    {
        for (int k = -19; k <= 10; k++)
        {
            decimal bound = (decimal)Math.ScaleB(1, k); // exact: a power of two down to 2^-19 is a decimal with at most 19 digits
            Assert.Equal(8 * k, NativeIndex(bound));
            if (k < 10) Assert.Equal(8 * k + 1, NativeIndex(bound * 1.000000001m)); // past 2^10 is the last bucket still
            Assert.Equal(8 * k, NativeIndex(bound * 0.999999999m));
        }
    }

    [Fact]
    public void NativeBucketOf_ManyCosts_AgreesWithTheLogarithm_WithinTheSpan()
    {
        var random = new Random(25);
        int compared = 0;
        for (int i = 0; i < 100_000; i++)
        {
            // Log-uniform from a micro-dollar to $1000, with as many decimal places as a priced task has.
            decimal cost = Math.Round((decimal)Math.Pow(10, -6 + 9 * random.NextDouble()), 12);
            if (cost <= 0.000001m || IndexByLogarithm(cost) is not int expected) continue;
            Assert.True(expected == NativeIndex(cost), $"{cost}: logarithm {expected}, series {NativeIndex(cost)}");
            Assert.InRange(expected, CostHistogramSeries.NativeMinIndex, CostHistogramSeries.NativeMaxIndex);
            compared++;
        }
        Assert.True(compared > 99_000, $"only {compared} compared");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.00000095367431640625")] // 2^-20, the zero threshold itself
    [InlineData("0.0000009")]
    [InlineData("-1")]
    public void NativeBucketOf_AtMostTheZeroThreshold_IsTheZeroBucket(string cost)
    {
        Assert.Equal(-1, CostHistogramSeries.NativeBucketOf(decimal.Parse(cost, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void NativeBucketOf_AboveTheLastBucket_CountsInIt()
    {
        Assert.Equal(CostHistogramSeries.NativeMaxIndex, NativeIndex(1024m));
        Assert.Equal(CostHistogramSeries.NativeMaxIndex, NativeIndex(1024.01m));
        Assert.Equal(CostHistogramSeries.NativeMaxIndex, NativeIndex(decimal.MaxValue));
        Assert.Equal(CostHistogramSeries.NativeMaxIndex - 1, NativeIndex(930m));
    }

    [Fact]
    public void Observe_NativeBuckets_ZeroAndCountAgreeWithTheClassic()
    {
        var series = new CostHistogramSeries(["support", "success"]);
        decimal[] costs = [0m, 0.0000001m, 0.01m, 0.01m, 0.0123m, 2m, 5000m];
        foreach (decimal cost in costs) series.Observe(cost, default);

        var native = new long[CostHistogramSeries.NativeBuckets];
        series.Read(new long[CostHistogramSeries.Bounds.Length + 1], new Exemplar[CostHistogramSeries.Bounds.Length + 1], native,
            out long zero, out decimal sum, out long count);

        Assert.Equal(2, zero);
        Assert.Equal(costs.Length, count);
        Assert.Equal(costs.Sum(), sum);
        Assert.Equal(count, zero + native.Sum());
        Assert.Equal(2, native[NativeIndex(0.01m) - CostHistogramSeries.NativeMinIndex]);
        Assert.Equal(1, native[^1]);
    }
}
