using CpstExporter.Receiving;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Hosting;

/// <summary>
/// Reports connections refused at <c>Cpst:Limits:MaxConnections</c>. On the OTLP listeners each one counts in
/// <c>cpst_rejected_requests_total{reason="overloaded"}</c>: the client could not deliver its export and will retry,
/// as after a 503 or UNAVAILABLE. The metrics listener serves no exports, so its refusals are only logged. The log
/// says at most once every <see cref="WarningInterval"/> per listener how many were refused since it last said so:
/// a flood of connections must not become a flood of log lines (the console logger blocks when its queue is full).
/// </summary>
internal sealed class RefusedConnections(ILogger logger, ReceiverCounters counters, TimeProvider time)
{
    public static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    private readonly long[] _lastWarning = Enum.GetValues<Listener>().Select(_ => long.MinValue).ToArray();
    private readonly long[] _unreported = new long[Enum.GetValues<Listener>().Length];

    public void Report(ConnectionLimit limit)
    {
        int listener = (int)limit.Listener;
        if (limit.Listener != Listener.Metrics) counters.RejectedRequests.Add(RequestRejection.Overloaded);
        Interlocked.Increment(ref _unreported[listener]);

        long now = time.GetTimestamp(), last = Volatile.Read(ref _lastWarning[listener]);
        if (last != long.MinValue && time.GetElapsedTime(last, now) < WarningInterval) return;
        if (Interlocked.CompareExchange(ref _lastWarning[listener], now, last) != last) return; // another thread reports
        CpstHostLog.ConnectionsRefused(logger, limit.Listener, limit.Max, Interlocked.Exchange(ref _unreported[listener], 0));
    }
}
