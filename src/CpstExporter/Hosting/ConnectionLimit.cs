using Microsoft.AspNetCore.Connections;

namespace CpstExporter.Hosting;

/// <summary>
/// Bounds the connections open at once on one listener (<c>Cpst:Limits:MaxConnections</c>). Each connection holds a
/// file descriptor; without a bound, enough idle or slow connections use up the process's open-file limit, and then
/// the runtime cannot open a file or a socket and the process dies without saving its state. A connection past the
/// bound is closed as soon as it is accepted, before TLS or HTTP reads a byte of it; the connections already open
/// are served as before.
/// </summary>
internal sealed class ConnectionLimit(Listener listener, int max)
{
    /// <summary>Connections per listener when <c>Cpst:Limits:MaxConnections</c> is not set and the open-file limit allows it.</summary>
    public const int DefaultMax = 1000;

    /// <summary>
    /// File descriptors left for everything but client connections. The process holds about 200 of its own once it
    /// serves (two for every loaded assembly, the listening sockets, pipes, the log, the file watchers), and needs a
    /// few more for the price table, the settings file, the state file and its temporary copy, and for connections
    /// accepted in a burst that wait for their turn to be closed.
    /// </summary>
    public const int ReservedDescriptors = 256;

    private int _open;
    private long _refused;

    public Listener Listener => listener;
    public int Max => max;

    /// <summary>Connections open now.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Connections closed at accept since the start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>
    /// The limit per listener: the configured value, or else <see cref="DefaultMax"/> lowered so that the three
    /// listeners and <see cref="ReservedDescriptors"/> fit in <paramref name="openFileLimit"/>.
    /// </summary>
    public static int PerListener(int? configured, long? openFileLimit)
    {
        if (configured is int value) return value;
        if (openFileLimit is not long files) return DefaultMax;
        return (int)Math.Clamp((files - ReservedDescriptors) / Listeners, 1, DefaultMax);
    }

    /// <summary>A warning when the configured limit lets the listeners use up the open-file limit; null when it fits.</summary>
    public static string? Warning(int? configured, long? openFileLimit)
    {
        if (configured is not int value || openFileLimit is not long files || (long)value * Listeners + ReservedDescriptors <= files) return null;
        long fits = Math.Max(1, (files - ReservedDescriptors) / Listeners);
        return $"Cpst:Limits:MaxConnections: {Listeners} listeners × {value} connections, with {ReservedDescriptors} file descriptors for the rest, " +
            $"exceed this process's open-file limit of {files}; at that many connections the process cannot open a file or a socket and dies. " +
            $"Set Cpst:Limits:MaxConnections to {fits} or less, or raise the limit (ulimit -n, systemd LimitNOFILE=, docker run --ulimit nofile=…)";
    }

    /// <summary>
    /// Connection middleware: put it first on the listener, ahead of TLS, so a refused connection costs nothing.
    /// <paramref name="refused"/> is told of every refused connection, on the thread that accepted it: it must not block.
    /// </summary>
    public ConnectionDelegate Apply(ConnectionDelegate next, RefusedConnections refused) => async connection =>
    {
        if (Interlocked.Increment(ref _open) > max)
        {
            Interlocked.Decrement(ref _open);
            Interlocked.Increment(ref _refused);
            refused.Report(this);
            // Completing both directions closes the socket once the delegate returns, without reading anything from it.
            await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
            await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
            return;
        }
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    };

    private static int Listeners => Enum.GetValues<Listener>().Length;
}
