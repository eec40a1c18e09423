using System.Net.Http.Headers;
using CpstExporter.Billing.CostApi;

namespace CpstExporter.Tests.Billing.CostApi;

/// <summary>How long a poll waits before asking again.</summary>
public sealed class CostApiRetryTests
{
    private static readonly DateTimeOffset Now = TestClock.Start;

    [Fact]
    public void Delay_RetryAfterSeconds_IsExactlyThat()
    {
        Assert.Equal(TimeSpan.FromSeconds(37), new CostApiRetry(new FixedRandom(0.9)).Delay(3, new RetryConditionHeaderValue(TimeSpan.FromSeconds(37)), Now));
    }

    [Fact]
    public void Delay_RetryAfterDate_IsTheTimeUntilThen()
    {
        Assert.Equal(TimeSpan.FromSeconds(45), new CostApiRetry(new FixedRandom(0.9)).Delay(0, new RetryConditionHeaderValue(Now.AddSeconds(45)), Now));
    }

    [Fact]
    public void Delay_RetryAfterDateInThePast_IsNoWait()
    {
        Assert.Equal(TimeSpan.Zero, new CostApiRetry(new FixedRandom(0.9)).Delay(0, new RetryConditionHeaderValue(Now.AddSeconds(-45)), Now));
    }

    [Fact]
    public void Delay_RetryAfterBeyondTheLongestWait_IsNull()
    {
        Assert.Equal(CostApiRetry.MaxDelay, new CostApiRetry(new FixedRandom(0.9)).Delay(0, new RetryConditionHeaderValue(CostApiRetry.MaxDelay), Now));
        Assert.Null(new CostApiRetry(new FixedRandom(0.9)).Delay(0, new RetryConditionHeaderValue(CostApiRetry.MaxDelay + TimeSpan.FromSeconds(1)), Now));
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 4)]
    [InlineData(4, 32)]
    [InlineData(7, 256)]
    [InlineData(8, 300)] // capped at 5 minutes
    [InlineData(60, 300)]
    public void Ceiling_DoublesPerRetryUpToTheLongestWait(int retry, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), CostApiRetry.Ceiling(retry));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.25)]
    [InlineData(0.999999)]
    public void Delay_WithoutRetryAfter_IsAFractionOfTheCeiling(double draw)
    {
        var retry = new CostApiRetry(new FixedRandom(draw));

        for (int n = 0; n < 10; n++)
        {
            TimeSpan delay = retry.Delay(n, null, Now)!.Value;
            Assert.Equal(CostApiRetry.Ceiling(n).Ticks * draw, delay.Ticks, tolerance: 1);
        }
    }

    [Fact]
    public void Delay_WithoutRetryAfter_Spreads()
    {
        var retry = new CostApiRetry(new Random(7));

        TimeSpan[] delays = [.. Enumerable.Range(0, 200).Select(_ => retry.Delay(2, null, Now)!.Value)];

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, CostApiRetry.Ceiling(2)));
        Assert.True(delays.Distinct().Count() > 100, "full jitter: the waits of exporters that failed together differ");
    }
}
