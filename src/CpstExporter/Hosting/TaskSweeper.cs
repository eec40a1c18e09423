using CpstExporter.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Hosting;

/// <summary>
/// Drives <see cref="TaskAssembler.Sweep"/> ten times a second and delivers what each batch finished
/// (<see cref="TaskDecisionDelivery"/>), so deadlines are kept to within a tenth of a second and
/// the tasks a sweep finishes are few enough for their objects to go back to the pool whole (<see cref="PendingTaskPool"/>:
/// at 150,000 tasks a second, a sweep a second finished more than it keeps). Stops as soon as
/// shutdown begins (<see cref="HaltAsync"/>, or the application stopping): a task due during the last seconds is saved
/// to the state file and finished by the next instance, whose scrapes count it. A sweep that throws is logged and the
/// next one runs at the next tick: an exception never stops the sweeper or the host.
/// </summary>
internal sealed partial class TaskSweeper(TaskAssembler assembler, TaskDecisionDelivery delivery, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<TaskSweeper> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _halt = new();
    /// <summary>One sweep runs at a time (the timer's loop), so one decisions object serves them all.</summary>
    private readonly TaskDecisions _decisions = new();

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
            bool more;
            do
            {
                // Each batch is delivered before the next is taken, also when it failed part-way: what finished reaches the metrics.
                try
                {
                    more = assembler.Sweep(_decisions);
                }
                finally
                {
                    try
                    {
                        delivery.Deliver(_decisions);
                    }
                    finally
                    {
                        _decisions.Clear();
                    }
                }
            }
            while (more);
        }
        catch (Exception e)
        {
            LogSweepFailed(e);
        }
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Error, Message = "A sweep of pending tasks failed; the next one runs in a tenth of a second")]
    private partial void LogSweepFailed(Exception exception);
}
