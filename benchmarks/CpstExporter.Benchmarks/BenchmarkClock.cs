namespace CpstExporter.Benchmarks;

/// <summary>A clock moved by the benchmark, so that tasks settle without waiting.</summary>
internal sealed class BenchmarkClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void AdvanceSeconds(double seconds) => _now = _now.AddSeconds(seconds);
}
