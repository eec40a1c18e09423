using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CpstExporter;

/// <summary>
/// Binds the listeners of <see cref="ListenerOptions"/> on Kestrel and tags every connection with its
/// <see cref="Listener"/>, so one process serves three ports with three different surfaces. Keeps the bound
/// endpoints, which tell the real port when a URL asked for port 0.
/// </summary>
internal sealed class ListenerBinding
{
    private const string ItemKey = "cpst.listener";
    private readonly Dictionary<Listener, List<ListenOptions>> _bound = new();

    public void Bind(KestrelServerOptions kestrel, ListenerOptions options)
    {
        Bind(kestrel, Listener.OtlpGrpc, options.OtlpGrpc, HttpProtocols.Http2, "Cpst:Listen:OtlpGrpc");
        Bind(kestrel, Listener.OtlpHttp, options.OtlpHttp, HttpProtocols.Http1, "Cpst:Listen:OtlpHttp");
        Bind(kestrel, Listener.Metrics, options.Metrics, HttpProtocols.Http1, "Cpst:Listen:Metrics");
    }

    /// <summary>The URL a listener is reachable at once the server started (the real port when 0 was asked).</summary>
    public Uri Address(Listener listener)
    {
        ListenOptions first = _bound[listener][0];
        IPEndPoint endpoint = first.IPEndPoint ?? throw new InvalidOperationException("listener not bound to an IP endpoint");
        string host = endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any) ? "127.0.0.1"
            : endpoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
        return new Uri($"http://{host}:{endpoint.Port}");
    }

    public static Listener? Of(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ItemKey, out object? value) == true ? (Listener)value! : null;

    private void Bind(KestrelServerOptions kestrel, Listener listener, string url, HttpProtocols protocols, string key)
    {
        if (!Uri.TryCreate(url.Replace("://*:", "://0.0.0.0:").Replace("://+:", "://0.0.0.0:"), UriKind.Absolute, out Uri? uri) || uri.Scheme != "http")
            throw new InvalidOperationException($"{key}: '{url}' is not an http:// URL such as http://127.0.0.1:4317 (use http://0.0.0.0:PORT to listen on all interfaces)");

        var bound = new List<ListenOptions>();
        void Configure(ListenOptions listen)
        {
            listen.Protocols = protocols;
            listen.Use(next => connection =>
            {
                connection.Items[ItemKey] = listener;
                return next(connection);
            });
            bound.Add(listen);
        }

        if (uri.IsLoopback && uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            kestrel.Listen(IPAddress.Loopback, uri.Port, Configure);
        else if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? address))
            kestrel.Listen(address, uri.Port, Configure);
        else
            throw new InvalidOperationException($"{key}: host '{uri.Host}' is not an IP address; use 127.0.0.1, 0.0.0.0, [::] or localhost");
        _bound[listener] = bound;
    }
}
