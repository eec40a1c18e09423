using System.Net.Http.Headers;

namespace CpstExporter.Billing.CostApi;

/// <summary>
/// When a poll asks again after a 429, a 5xx, a timeout or a broken connection: after the provider's
/// <c>Retry-After</c> when it sends one, otherwise after an exponential backoff with full jitter (a random wait from 0
/// to <see cref="BaseDelay"/> × 2ⁿ, capped at <see cref="MaxDelay"/>), so that exporters polling the same organization
/// do not retry in step. At most <see cref="MaxRetriesPerPoll"/> retries in one poll; the next poll starts afresh.
/// </summary>
internal sealed class CostApiRetry(Random random)
{
    /// <summary>The first backoff's ceiling. 2 s.</summary>
    public static readonly TimeSpan BaseDelay = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait: a <c>Retry-After</c> beyond it fails the poll instead (the next poll tries again). 5 min.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);

    /// <summary>Retries in one poll, over all its requests. 8.</summary>
    public const int MaxRetriesPerPoll = 8;

    public static CostApiRetry Shared { get; } = new(Random.Shared);

    /// <summary>The ceiling of the backoff before retry number <paramref name="retry"/> (0 for the first).</summary>
    public static TimeSpan Ceiling(int retry) =>
        TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, BaseDelay.Ticks << Math.Min(retry, 20)));

    /// <summary>
    /// How long to wait before retry number <paramref name="retry"/>: what <paramref name="retryAfter"/> asks, measured
    /// from <paramref name="now"/>, or a jittered backoff without it; null when the provider asks for more than
    /// <see cref="MaxDelay"/>.
    /// </summary>
    public TimeSpan? Delay(int retry, RetryConditionHeaderValue? retryAfter, DateTimeOffset now)
    {
        if (retryAfter is not null)
        {
            TimeSpan asked = retryAfter.Delta ?? (retryAfter.Date is DateTimeOffset date ? date - now : TimeSpan.Zero);
            if (asked < TimeSpan.Zero) asked = TimeSpan.Zero;
            return asked <= MaxDelay ? asked : null;
        }
        return TimeSpan.FromTicks((long)(random.NextDouble() * Ceiling(retry).Ticks));
    }
}
