using Microsoft.Extensions.Logging;

namespace CpstExporter.Hosting;

/// <summary>
/// Reports HTTP/2 connections closed by <see cref="Http2ControlFrameLimit"/>: at most once every
/// <see cref="RefusedConnections.WarningInterval"/>, with how many were closed since it last said so, so that a flood
/// of connections does not become a flood of log lines.
/// </summary>
internal sealed class FloodedConnections(ILogger logger, TimeProvider time)
{
    private long _lastWarning = long.MinValue;
    private long _unreported;

    public void Report()
    {
        Interlocked.Increment(ref _unreported);
        long now = time.GetTimestamp(), last = Volatile.Read(ref _lastWarning);
        if (last != long.MinValue && time.GetElapsedTime(last, now) < RefusedConnections.WarningInterval) return;
        if (Interlocked.CompareExchange(ref _lastWarning, now, last) != last) return; // another thread reports
        CpstHostLog.ControlFrameFloods(logger, Interlocked.Exchange(ref _unreported, 0), Http2ControlFrameLimit.MaxInARow);
    }
}
