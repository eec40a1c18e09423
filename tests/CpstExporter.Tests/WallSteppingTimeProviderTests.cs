using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests;

/// <summary>The test clock that steps the wall clock alone, and why FakeTimeProvider alone does not do.</summary>
public sealed class WallSteppingTimeProviderTests
{
    [Fact]
    public void StepWall_MovesTheWallClockAlone_AdvanceMovesBoth()
    {
        var clock = new WallSteppingTimeProvider();
        long timestamp = clock.GetTimestamp();

        clock.StepWall(TimeSpan.FromHours(1));
        Assert.Equal(TestClock.Start + TimeSpan.FromHours(1), clock.GetUtcNow());
        Assert.Equal(timestamp, clock.GetTimestamp());

        clock.StepWall(TimeSpan.FromHours(-3));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TestClock.Start - TimeSpan.FromHours(2) + TimeSpan.FromSeconds(5), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(5), clock.GetElapsedTime(timestamp));
    }

    [Fact]
    public void StepWall_FiresNoTimer_AdvanceDoes()
    {
        var clock = new WallSteppingTimeProvider();
        int fired = 0;
        using ITimer timer = clock.CreateTimer(_ => Interlocked.Increment(ref fired), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        clock.StepWall(TimeSpan.FromHours(1));
        Assert.Equal(0, fired);

        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, fired);
    }

    /// <summary>If this fails, FakeTimeProvider has learnt to step its wall clock alone, and the subclass can go.</summary>
    [Fact]
    public void FakeTimeProvider_EveryWayToSetTheWallClock_MovesTheTimestampWithIt()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        long start = clock.GetTimestamp();

        clock.AdjustTime(TestClock.Start + TimeSpan.FromHours(1));
        Assert.Equal(TimeSpan.FromHours(1), clock.GetElapsedTime(start));

        clock.SetUtcNow(TestClock.Start + TimeSpan.FromHours(2));
        Assert.Equal(TimeSpan.FromHours(2), clock.GetElapsedTime(start));

        clock.AdjustTime(TestClock.Start); // and back: the "monotonic" timestamp goes back with it
        Assert.Equal(TimeSpan.Zero, clock.GetElapsedTime(start));
    }
}
