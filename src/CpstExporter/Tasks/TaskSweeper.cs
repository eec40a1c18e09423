using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Tasks;

/// <summary>
/// Drives <see cref="TaskAssembler.Sweep"/> ten times a second, so deadlines are kept to within a tenth of a second and
/// the tasks a sweep finishes are few enough for their objects to go back to the pool whole (<see cref="PendingTaskPool"/>:
/// at 150,000 tasks a second, a sweep a second finished more than it keeps). Stops as soon as
/// shutdown begins (<see cref="HaltAsync"/>, or the application stopping): a task due during the last seconds is saved
/// to the state file and finished by the next instance, whose scrapes count it. A sweep that throws (a sink that
/// failed) is logged and the next one runs at the next tick: an exception never stops the sweeper or the host.
/// </summary>
internal sealed partial class TaskSweeper(TaskAssembler assembler, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<TaskSweeper> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _halt = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping, _halt.Token);
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping.Token).ConfigureAwait(false)) SweepOnce();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stops sweeping, and returns once a sweep in progress has ended: no task finishes after this.</summary>
    public async Task HaltAsync()
    {
        await _halt.CancelAsync().ConfigureAwait(false);
        if (ExecuteTask is Task running) await running.ConfigureAwait(false);
    }

    public override void Dispose()
    {
        base.Dispose();
        _halt.Dispose();
    }

    /// <summary>One sweep; what it throws is logged, not passed on.</summary>
    internal void SweepOnce()
    {
        try
        {
            assembler.Sweep();
        }
        catch (Exception e)
        {
            LogSweepFailed(e);
        }
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Error, Message = "A sweep of pending tasks failed; the next one runs in a tenth of a second")]
    private partial void LogSweepFailed(Exception exception);
}
