namespace CpstExporter.Benchmarks;

/// <summary>A clock moved by the benchmark, so that tasks settle without waiting: its wall clock and its monotonic timestamp move together.</summary>
internal sealed class BenchmarkClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private long _timestamp;

    public override DateTimeOffset GetUtcNow() => _now;

    public override long GetTimestamp() => _timestamp;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void AdvanceSeconds(double seconds)
    {
        _now = _now.AddSeconds(seconds);
        _timestamp += TimeSpan.FromSeconds(seconds).Ticks;
    }
}
