
namespace CpstExporter.Tasks.State;

/// <summary>
/// Translates the wall-clock times of a state file into the assembler's monotonic milliseconds at start-up. A monotonic
/// timestamp means nothing to another process, so the file holds wall-clock Unix milliseconds and the time it was
/// saved; a time is read back as the same age it had when saved plus the time the service was down. A wall clock that
/// reads earlier than the save (stepped back, or another machine's) counts as no time down, so a step backwards
/// never lengthens a deadline; one far ahead finishes the tasks due meanwhile, as real downtime would.
/// </summary>
/// <param name="nowMs">The assembler's monotonic now.</param>
/// <param name="wallNowMs">The wall clock now, Unix milliseconds.</param>
/// <param name="savedAtMs">When the file was saved, by the wall clock of the process that saved it; unknown before version 3.</param>
internal readonly struct WallToMonotonic(long nowMs, long wallNowMs, long? savedAtMs)
{
    /// <summary>Farther than this from now a time is nonsense (a hand-edited or damaged file); it is cut here so no sum overflows.</summary>
    private const long Farthest = 100L * 366 * 24 * 3600 * 1000;

    private readonly long _shift = nowMs - Math.Max(wallNowMs, savedAtMs ?? long.MinValue);

    /// <summary>A time of the past (a first span, a last activity): never later than now.</summary>
    public long Past(long wallMs) => Math.Min(Any(wallMs), nowMs);

    /// <summary>Any time, a deadline in the future too.</summary>
    public long Any(long wallMs) => Math.Clamp(wallMs, wallNowMs - Farthest, wallNowMs + Farthest) + _shift;
}
