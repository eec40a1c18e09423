using CpstExporter.Primitives;

namespace CpstExporter.Tests.Primitives;

public class SaturatingTests
{
    [Fact]
    public void Add_LongPastTheMaximum_StopsThere()
    {
        Assert.Equal(long.MaxValue, Saturating.Add(long.MaxValue - 1, 2));
        Assert.Equal(long.MinValue, Saturating.Add(long.MinValue + 1, -2));
        Assert.Equal(5, Saturating.Add(2L, 3L));
    }

    [Fact]
    public void Add_IntPastTheMaximum_StopsThere()
    {
        Assert.Equal(int.MaxValue, Saturating.Add(int.MaxValue, 1));
        Assert.Equal(int.MinValue, Saturating.Add(int.MinValue, -1));
    }

    [Fact]
    public void Add_DecimalPastTheMaximum_StopsThereInsteadOfThrowing()
    {
        Assert.Equal(decimal.MaxValue, Saturating.Add(decimal.MaxValue, 1m));
        Assert.Equal(decimal.MinValue, Saturating.Add(decimal.MinValue, -1m));
        Assert.Equal(0.3m, Saturating.Add(0.1m, 0.2m));
    }

    [Fact]
    public void Plus_TokenCountsPastTheMaximum_StopPerClass()
    {
        var full = new TokenUsage(long.MaxValue, 1, 0, 0, 0);

        Assert.Equal(new TokenUsage(long.MaxValue, 2, 0, 0, 0), full.Plus(new TokenUsage(long.MaxValue, 1, 0, 0, 0)));
    }
    [Fact]
    public void Add_DecimalAtTheMaximum_StaysThere()
    {
        decimal sum = decimal.MaxValue;
        for (int i = 0; i < 1000; i++) sum = Saturating.Add(sum, 10_000m);

        Assert.Equal(decimal.MaxValue, sum);
        Assert.Equal(decimal.MaxValue - 1m, Saturating.Add(decimal.MaxValue, -1m));
        Assert.Equal(decimal.MaxValue, Saturating.Add(decimal.MaxValue - 1m, 0.6m)); // rounds to the maximum, no overflow
        Assert.Equal(decimal.MaxValue, Saturating.Add(decimal.MaxValue - 1m, 1.5m)); // rounds past it
    }

    [Fact]
    public void Multiply_DecimalPastTheMaximum_StopsThere()
    {
        Assert.Equal(decimal.MaxValue, Saturating.Multiply(decimal.MaxValue, 2m));
        Assert.Equal(decimal.MinValue, Saturating.Multiply(decimal.MaxValue, -2m));
        Assert.Equal(decimal.MaxValue, Saturating.Multiply(-1e28m, -10m));
        Assert.Equal(7.5m, Saturating.Multiply(2.5m, 3m));
    }

    [Fact]
    public void AddInterlocked_ManyThreadsPastTheMaximum_StopsThere()
    {
        long counter = long.MaxValue - 50_000;

        Parallel.For(0, 100_000, _ => Saturating.AddInterlocked(ref counter, 1));

        Assert.Equal(long.MaxValue, counter);
    }

    [Fact]
    public void AddInterlocked_ManyThreads_CountsEveryAdd()
    {
        long counter = 0;

        Parallel.For(0, 100_000, i => Saturating.AddInterlocked(ref counter, i % 3));

        Assert.Equal(Enumerable.Range(0, 100_000).Sum(i => (long)(i % 3)), counter);
    }
}
