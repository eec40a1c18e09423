using CpstExporter.Billing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Hosting;

/// <summary>
/// Runs the allocation of untraced spend (<see cref="UntracedAllocation"/>) every <see cref="Interval"/> while
/// <c>Cpst:Billing:AllocateUntraced</c> is on: days become complete as time passes and as bills are imported, and a
/// few minutes' delay is nothing beside a bill's. A run that throws is logged; the next one runs at the next tick.
/// </summary>
internal sealed partial class UntracedAllocationService(UntracedAllocation allocation, TimeProvider time, ILogger<UntracedAllocationService> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!allocation.Enabled) return;
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) RunOnce();
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal void RunOnce()
    {
        try
        {
            allocation.Run();
        }
        catch (Exception e)
        {
            LogFailed(e);
        }
    }

    [LoggerMessage(EventId = 547, Level = LogLevel.Error, Message = "Allocating untraced spend failed; the next run is in five minutes")]
    private partial void LogFailed(Exception exception);
}
