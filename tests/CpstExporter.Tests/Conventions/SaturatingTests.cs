using CpstExporter.Conventions;
using Xunit;

namespace CpstExporter.Tests.Conventions;

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
}
