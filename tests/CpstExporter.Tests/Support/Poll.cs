using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Support;

/// <summary>Waits for a condition by polling it, with a deadline: how tests wait for work on other threads, never by sleeping a fixed time.</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Waits for a condition that a timer of <paramref name="clock"/> brings about (a checkpoint, a price table reload, a
    /// sweep): moves the clock on by <paramref name="step"/> before each look, so the timer fires however long the code
    /// under test takes to create it.
    /// </summary>
    public static Task UntilAsync(FakeTimeProvider clock, TimeSpan step, Func<bool> condition, string what) =>
        UntilAsync(() =>
        {
            clock.Advance(step);
            return condition();
        }, what);

    /// <inheritdoc cref="UntilAsync(FakeTimeProvider, TimeSpan, Func{bool}, string)"/>
    public static Task UntilAsync(FakeTimeProvider clock, TimeSpan step, Func<Task<bool>> condition, string what) =>
        UntilAsync(() =>
        {
            clock.Advance(step);
            return condition();
        }, what);
}
