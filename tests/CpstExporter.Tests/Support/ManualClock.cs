namespace CpstExporter.Tests.Support;

/// <summary>A clock that moves only when told, so lifecycle tests never sleep.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public ManualClock() : this(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void AdvanceSeconds(double seconds) => Advance(TimeSpan.FromSeconds(seconds));
}
