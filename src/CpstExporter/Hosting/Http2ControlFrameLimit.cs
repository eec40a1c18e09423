using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace CpstExporter.Hosting;

/// <summary>
/// Closes an HTTP/2 connection that sends more than <see cref="MaxInARow"/> SETTINGS or PING frames (other than
/// acknowledgements) without a request between them: the floods of CVE-2019-9512 and CVE-2019-9515, which make the
/// server answer every frame. Kestrel bounds what the answers take (it stops reading while a client does not read
/// them) but keeps such a connection open, and one that reads its answers keeps the server busy; Kestrel itself
/// closes header blocks that never end (CONTINUATION floods) and streams reset in a loop. Real clients send a few
/// of these frames per connection, or one PING per round trip while data flows (gRPC's bandwidth probes), and
/// requests in between (docs/operations.md, "HTTP/2 and header abuse").
/// </summary>
internal sealed class Http2ControlFrameLimit
{
    /// <summary>SETTINGS and PING frames a connection may send in a row, without a HEADERS or DATA frame between them.</summary>
    public const int MaxInARow = 1000;

    private long _closed;

    /// <summary>Connections closed for a flood since the start.</summary>
    public long Closed => Interlocked.Read(ref _closed);

    /// <summary>
    /// Connection middleware for an HTTP/2 listener, after TLS: reads the client's frames as Kestrel does.
    /// <paramref name="flooded"/> is told of every connection closed, on the thread that read its frames.
    /// </summary>
    public ConnectionDelegate Apply(ConnectionDelegate next, FloodedConnections flooded)
    {
        Action onFlood = () =>
        {
            Interlocked.Increment(ref _closed);
            flooded.Report();
        };
        return connection =>
        {
            IDuplexPipe transport = connection.Transport;
            connection.Transport = new Http2CheckedTransport(new Http2ControlFrameReader(transport.Input, MaxInARow, onFlood), transport.Output);
            return next(connection);
        };
    }
}
