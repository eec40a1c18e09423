namespace CpstExporter.Tests.Support;

/// <summary>
/// A clock that moves only when told, so lifecycle tests never sleep. It has two faces, as a real machine does: a wall
/// clock (<see cref="GetUtcNow"/>) and a monotonic timestamp (<see cref="GetTimestamp"/>). <see cref="Advance"/> moves
/// both, as time passing does; <see cref="StepWall"/> moves the wall clock alone, as NTP or an operator setting the
/// clock does, which no deadline may notice.
/// </summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;
    // An arbitrary origin, far from zero and from the wall clock, so that code mixing the two faces shows.
    private long _timestamp = 987_654_321_000;

    public ManualClock() : this(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow() => _now;

    public override long GetTimestamp() => Interlocked.Read(ref _timestamp);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by)
    {
        _now += by;
        Interlocked.Add(ref _timestamp, by.Ticks);
    }

    public void AdvanceSeconds(double seconds) => Advance(TimeSpan.FromSeconds(seconds));

    /// <summary>Steps the wall clock by <paramref name="by"/> (either way) while the monotonic timestamp stands still.</summary>
    public void StepWall(TimeSpan by) => _now += by;
}
