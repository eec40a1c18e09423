using Microsoft.Extensions.Hosting;

namespace CpstExporter.Benchmarks;

/// <summary>A host lifetime that never starts stopping, for a background service run on its own.</summary>
internal sealed class IdleLifetime : IHostApplicationLifetime
{
    public CancellationToken ApplicationStarted => CancellationToken.None;
    public CancellationToken ApplicationStopping => CancellationToken.None;
    public CancellationToken ApplicationStopped => CancellationToken.None;
    public void StopApplication() { }
}
