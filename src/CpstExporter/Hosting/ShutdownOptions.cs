using CpstExporter.Primitives;

namespace CpstExporter.Hosting;

/// <summary>How the exporter stops on SIGTERM (<c>Cpst:Shutdown</c>), docs/operations.md "Signals, the state file and checkpoints".</summary>
internal sealed class ShutdownOptions
{
    /// <summary>The section below <c>Cpst</c> these options are bound from, one key per settable property.</summary>
    public const string Section = "Shutdown";

    /// <summary>
    /// Seconds <c>/metrics</c> and the task API keep answering after the pending tasks were saved, so that a scrape sees
    /// every count this instance made: at least one scrape interval. 0 exits at once. Default 15.
    /// </summary>
    public int DrainSeconds { get; set; } = 15;

    /// <summary>The longest drain accepted: ten minutes, beyond any scrape interval.</summary>
    public const int MaxDrainSeconds = 600;

    /// <summary>How long exports already admitted get to finish once new ones are refused. 10 s: they are being decoded, not received.</summary>
    public static readonly TimeSpan InFlightTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed for the final save and for Kestrel to close its connections after the drain.</summary>
    public static readonly TimeSpan SaveAndCloseTimeout = TimeSpan.FromSeconds(10);

    public TimeSpan Drain => TimeSpan.FromSeconds(DrainSeconds);

    /// <summary>
    /// The host's whole shutdown budget: exports in flight, the save, the drain, closing. The SIGKILL grace period
    /// (Kubernetes <c>terminationGracePeriodSeconds</c>, compose <c>stop_grace_period</c>) must be longer. 35 s by default.
    /// </summary>
    public TimeSpan HostTimeout => InFlightTimeout + Drain + SaveAndCloseTimeout;

    /// <summary>Throws <see cref="CpstConfigurationException"/> when <see cref="DrainSeconds"/> is out of its range.</summary>
    public void Validate()
    {
        if (DrainSeconds is < 0 or > MaxDrainSeconds)
            throw new CpstConfigurationException($"{Key(nameof(DrainSeconds))} must be from 0 (exit once saved) to {MaxDrainSeconds} seconds, not {DrainSeconds}; " +
                "at least one scrape interval, and less than the grace period before SIGKILL");
    }

    /// <summary>The full name of a key of this section, as an error names it.</summary>
    private static string Key(string property) => $"Cpst:{Section}:{property}";
}
