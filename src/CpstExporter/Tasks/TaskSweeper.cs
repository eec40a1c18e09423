using Microsoft.Extensions.Hosting;

namespace CpstExporter.Tasks;

/// <summary>
/// Drives <see cref="TaskAssembler.Sweep"/> once a second, so deadlines are kept to within a second. Stops as soon as
/// shutdown begins: a task due during the last seconds is saved to the state file and finished by the next instance,
/// whose scrapes count it, instead of being counted here after the last scrape.
/// </summary>
internal sealed class TaskSweeper(TaskAssembler assembler, TimeProvider time, IHostApplicationLifetime lifetime) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping.Token).ConfigureAwait(false)) assembler.Sweep();
        }
        catch (OperationCanceledException)
        {
        }
    }
}
