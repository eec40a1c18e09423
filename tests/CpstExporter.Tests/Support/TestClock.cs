using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Support;

/// <summary>
/// Where the tests' clocks start, and a shorthand for moving one. The clocks are <see cref="FakeTimeProvider"/>s: they
/// move only when a test moves them, so no test sleeps, and timers made from them fire when the time they wait for is
/// passed.
/// </summary>
internal static class TestClock
{
    /// <summary>Monday 2 November 2026, 09:00 UTC: a fixed moment, so that every run writes the same timestamps.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    public static void AdvanceSeconds(this FakeTimeProvider clock, double seconds) => clock.Advance(TimeSpan.FromSeconds(seconds));
}
