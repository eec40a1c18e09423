using Microsoft.Extensions.Hosting;

namespace CpstExporter.Tasks;

/// <summary>Drives <see cref="TaskAssembler.Sweep"/> once a second, so deadlines are kept to within a second.</summary>
internal sealed class TaskSweeper(TaskAssembler assembler, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) assembler.Sweep();
    }
}
