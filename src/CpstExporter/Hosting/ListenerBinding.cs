using System.Net;
using System.Net.Sockets;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Hosting;

/// <summary>
/// Binds the listeners of <see cref="ListenerOptions"/> on Kestrel and tags every connection with its
/// <see cref="Listener"/>, so one process serves three ports with three different surfaces. Keeps the bound
/// endpoints, which tell the real port when a URL asked for port 0. An <c>https://</c> listener uses Kestrel's
/// standard certificate configuration (<c>Kestrel:Certificates:Default:Path</c>, <c>:Password</c>, <c>:KeyPath</c>);
/// on the gRPC listener HTTP/2 is then negotiated with ALPN. Each listener accepts at most
/// <c>Cpst:Limits:MaxConnections</c> connections at once (<see cref="ConnectionLimit"/>).
/// </summary>
internal sealed class ListenerBinding(int maxConnectionsPerListener)
{
    private const string ItemKey = "cpst.listener";
    private readonly Dictionary<Listener, (ListenerEndpoint Endpoint, List<ListenOptions> Bound)> _bound = new();
    private readonly ConnectionLimit[] _limits = Enum.GetValues<Listener>().Select(l => new ConnectionLimit(l, maxConnectionsPerListener)).ToArray();

    /// <summary>The connection limit of a listener: how many are open, how many were refused.</summary>
    public ConnectionLimit Connections(Listener listener) => _limits[(int)listener];

    /// <summary>The limit on SETTINGS and PING floods of the HTTP/2 (OTLP/gRPC) listener.</summary>
    public Http2ControlFrameLimit ControlFrames { get; } = new();

    /// <summary>
    /// Binds the listeners; run as Kestrel's options are made, in the built host, whose services give the reporters of
    /// refused and flooded connections (logged at most every few seconds, and counted).
    /// </summary>
    public void Bind(KestrelServerOptions kestrel, ListenerOptions options)
    {
        IServiceProvider services = kestrel.ApplicationServices;
        ILogger log = services.GetRequiredService<ILoggerFactory>().CreateLogger("CpstExporter");
        var time = services.GetRequiredService<TimeProvider>();
        var reporters = (new RefusedConnections(log, services.GetRequiredService<ReceiverCounters>(), time), new FloodedConnections(log, time));
        Bind(kestrel, Listener.OtlpGrpc, options.Endpoint(Listener.OtlpGrpc), HttpProtocols.Http2, reporters);
        Bind(kestrel, Listener.OtlpHttp, options.Endpoint(Listener.OtlpHttp), HttpProtocols.Http1, reporters);
        Bind(kestrel, Listener.Metrics, options.Endpoint(Listener.Metrics), HttpProtocols.Http1, reporters);
    }

    /// <summary>
    /// Binds and releases each configured address once before the host starts, so an address this host does not have,
    /// a port in use or a privileged port is a one-line configuration error naming the key, not a failed start.
    /// </summary>
    public static void Probe(ListenerOptions options)
    {
        foreach (Listener listener in Enum.GetValues<Listener>())
        {
            ListenerEndpoint endpoint = options.Endpoint(listener);
            if (endpoint.Port == 0) continue;
            using var socket = new Socket(endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (endpoint.Address.Equals(IPAddress.IPv6Any)) socket.DualMode = true; // as Kestrel binds [::]
            try
            {
                socket.Bind(new IPEndPoint(endpoint.Address, endpoint.Port));
            }
            catch (SocketException e)
            {
                string fix = e.SocketErrorCode switch
                {
                    SocketError.AddressAlreadyInUse => "another process (or another listener) holds the port; choose a free port or stop the other process",
                    SocketError.AddressNotAvailable => "this host has no such address; use one of its addresses, or 0.0.0.0 for all",
                    SocketError.AccessDenied => "ports below 1024 need privileges; use a port above 1023",
                    _ => "choose another address or port",
                };
                throw new CpstConfigurationException($"{endpoint.Key}: cannot listen on {endpoint}: {e.Message.TrimEnd('.')}; {fix}");
            }
        }
    }

    /// <summary>The URL a listener is reachable at once the server started (the real port when 0 was asked).</summary>
    public Uri Address(Listener listener)
    {
        var (configured, bound) = _bound[listener];
        IPEndPoint endpoint = bound[0].IPEndPoint ?? throw new InvalidOperationException("listener not bound to an IP endpoint");
        string host = endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any) ? "127.0.0.1"
            : endpoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
        return new Uri($"{(configured.Tls ? "https" : "http")}://{host}:{endpoint.Port}");
    }

    public static Listener? Of(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ItemKey, out object? value) == true ? (Listener)value! : null;

    private void Bind(KestrelServerOptions kestrel, Listener listener, ListenerEndpoint endpoint, HttpProtocols protocols,
        (RefusedConnections Refused, FloodedConnections Flooded) reporters)
    {
        var bound = new List<ListenOptions>();
        kestrel.Listen(endpoint.Address, endpoint.Port, listen =>
        {
            listen.Protocols = protocols;
            listen.Use(next => Connections(listener).Apply(next, reporters.Refused)); // first, so a refused connection costs no TLS handshake
            if (endpoint.Tls) listen.UseHttps();
            listen.Use(next => connection =>
            {
                connection.Items[ItemKey] = listener;
                return next(connection);
            });
            if (protocols == HttpProtocols.Http2) listen.Use(next => ControlFrames.Apply(next, reporters.Flooded)); // after TLS: reads the frames
            bound.Add(listen);
        });
        _bound[listener] = (endpoint, bound);
    }
}
