using CpstExporter.Receiving;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Hosting;

/// <summary>
/// The order of a graceful stop, so that every accepted task is either seen by a scrape of this instance or counted by
/// the next one, never both and never neither. It runs when the host begins to stop (SIGTERM), before Kestrel closes
/// any listener:
/// <list type="number">
/// <item>new exports and outcomes are refused (503 / UNAVAILABLE, retryable) and <c>/readyz</c> answers 503; the exports
/// already admitted are processed to the end (at most <see cref="ShutdownOptions.InFlightTimeout"/>);</item>
/// <item>no task is finished any more: the sweep stops;</item>
/// <item>the pending tasks, settled or not, are written to the state file;</item>
/// <item><c>/metrics</c> and the task API keep answering for <see cref="ShutdownOptions.DrainSeconds"/>, so the counts
/// of tasks finished since the last scrape are scraped;</item>
/// <item>then Kestrel closes and the process exits.</item>
/// </list>
/// A task finished before step 2 is in the metrics (and in the journal, so the next instance does not count it again);
/// a task pending at step 3 is in the state file, and the next instance finishes and counts it.
/// </summary>
internal sealed partial class ShutdownSequence(
    ShutdownOptions options, ExportGate gate, TaskSweeper sweeper, TaskStateFile stateFile, TimeProvider time, ILogger<ShutdownSequence> logger)
    : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        gate.Close();
        bool drained = await gate.WaitIdleAsync(ShutdownOptions.InFlightTimeout, cancellationToken).ConfigureAwait(false);
        if (!drained) LogExportsStillInFlight(gate.InFlight, ShutdownOptions.InFlightTimeout.TotalSeconds);
        await sweeper.HaltAsync().ConfigureAwait(false);
        // With exports still running past the timeout the state may still change: the save after Kestrel closed covers them.
        stateFile.SaveFinal(complete: drained);
        if (options.DrainSeconds <= 0) return;
        LogDraining(options.DrainSeconds);
        try
        {
            await Task.Delay(options.Drain, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout: stop draining, close.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 320, Level = LogLevel.Information,
        Message = "Stopping: exports are refused and tasks no longer finish; /metrics and the task API answer for {Seconds} s more so a scrape sees every count")]
    private partial void LogDraining(int seconds);

    [LoggerMessage(EventId = 321, Level = LogLevel.Warning,
        Message = "Stopping: {Count} exports were still being processed after {Seconds} s; the state file is written again once they end")]
    private partial void LogExportsStillInFlight(int count, double seconds);
}
