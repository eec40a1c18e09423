using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> whose wall clock can also be stepped alone (<see cref="StepWall"/>), as NTP or an
/// operator setting the clock does, while the monotonic timestamp stands still: a step no deadline may notice.
/// <see cref="FakeTimeProvider.Advance"/> moves both faces, as time passing does, and its timers follow the monotonic
/// one, as real timers do. FakeTimeProvider cannot step the wall clock alone: its timestamp is its wall clock's ticks,
/// so <see cref="FakeTimeProvider.SetUtcNow"/>, <see cref="FakeTimeProvider.AdjustTime"/> and auto-advance move the
/// timestamp with it (and AdjustTime to an earlier time moves it back).
/// </summary>
internal sealed class WallSteppingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    // An arbitrary origin for the timestamp, far from zero and from the wall clock's ticks, so that code mixing the two
    // faces shows.
    private const long TimestampOrigin = 987_654_321_000;

    private long _wallStepTicks;

    public WallSteppingTimeProvider() : this(TestClock.Start) { }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _wallStepTicks));

    // Not the base's, which reads the (stepped) wall clock.
    public override long GetTimestamp() => TimestampOrigin + (base.GetUtcNow() - Start).Ticks;

    /// <summary>Steps the wall clock by <paramref name="by"/> (either way) while the monotonic timestamp stands still.</summary>
    public void StepWall(TimeSpan by) => Interlocked.Add(ref _wallStepTicks, by.Ticks);
}
