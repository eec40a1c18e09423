using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>Task lifecycle settings (<c>Cpst:Tasks</c>), docs/operations.md.</summary>
internal sealed class TaskOptions
{
    /// <summary>The section below <c>Cpst</c> these options are bound from, one key per settable property.</summary>
    public const string Section = "Tasks";

    /// <summary>The highest <see cref="RecentTasks"/> accepted: about 400 MB.</summary>
    public const int MaxRecentTasks = 1_000_000;

    /// <summary>Seconds a task with an outcome waits after its last span or outcome for stragglers. Default 5.</summary>
    public int SettleSeconds { get; set; } = 5;

    /// <summary>Seconds from a task's first span that it waits for an outcome before it finishes as unknown. Default 900.</summary>
    public int OutcomeWindowSeconds { get; set; } = 900;

    /// <summary>Most tasks held at once; past it the oldest finishes early and is counted as evicted. Default 1,000,000.</summary>
    public int MaxPending { get; set; } = 1_000_000;

    /// <summary>
    /// Most pending tasks one request may finish early at <see cref="MaxPending"/>: a sixteenth of it. Spans that would
    /// start further tasks are refused, so one huge request of new traces cannot evict every other client's tasks.
    /// </summary>
    public int MaxEvictionsPerRequest => Math.Max(1, MaxPending / 16);

    /// <summary>Where pending tasks are written on shutdown and read back on start; empty = not kept. Default empty.</summary>
    public string? StateFile { get; set; }

    /// <summary>
    /// Seconds between checkpoints of the pending tasks to <see cref="StateFile"/>, so a crash (SIGKILL, OOM kill,
    /// power loss) loses at most this window; 0 writes only on shutdown. Default 30.
    /// </summary>
    public int CheckpointSeconds { get; set; } = 30;

    /// <summary>
    /// Seconds after a task finished that its span ids are still remembered, so a resent batch is not counted again.
    /// Finished tasks are remembered for the longer of this and <see cref="OutcomeWindowSeconds"/>. Default 300.
    /// </summary>
    public int DuplicateWindowSeconds { get; set; } = 300;

    /// <summary>How many finished tasks are remembered (for the outcome window) so late spans and outcomes find them. Default 100,000.</summary>
    public int MaxFinishedRemembered { get; set; } = 100_000;

    /// <summary>
    /// Finished tasks kept for the task API (<c>/api/v1/tasks</c>), about 400 bytes each; 0 keeps none and turns the
    /// API's store off. Default 10,000 (about 4 MB), at most <see cref="MaxRecentTasks"/>.
    /// </summary>
    public int RecentTasks { get; set; } = 10_000;

    /// <summary>Throws <see cref="CpstConfigurationException"/> naming the first key out of its range.</summary>
    public void Validate()
    {
        CpstConfigurationException.ThrowIfNotPositive(SettleSeconds, Key(nameof(SettleSeconds)));
        CpstConfigurationException.ThrowIfNotPositive(OutcomeWindowSeconds, Key(nameof(OutcomeWindowSeconds)));
        CpstConfigurationException.ThrowIfNotPositive(MaxPending, Key(nameof(MaxPending)));
        CpstConfigurationException.ThrowIfNotPositive(MaxFinishedRemembered, Key(nameof(MaxFinishedRemembered)));
        if (CheckpointSeconds < 0)
            throw new CpstConfigurationException($"{Key(nameof(CheckpointSeconds))} must be 0 (only on shutdown) or a positive number of seconds, not {CheckpointSeconds}");
        if (RecentTasks is < 0 or > MaxRecentTasks)
            throw new CpstConfigurationException($"{Key(nameof(RecentTasks))} must be from 0 (keep none) to {MaxRecentTasks}, not {RecentTasks}");
        if (DuplicateWindowSeconds < 0)
            throw new CpstConfigurationException($"{Key(nameof(DuplicateWindowSeconds))} must be 0 or a positive number of seconds, not {DuplicateWindowSeconds}");
    }

    /// <summary>The full name of a key of this section, as an error names it.</summary>
    private static string Key(string property) => $"Cpst:{Section}:{property}";
}
