using CpstExporter.Primitives;

namespace CpstExporter.Hosting;

/// <summary>
/// The three listeners (<c>Cpst:Listen</c>), as URLs; containers set <c>http://0.0.0.0:…</c>. An <c>https://</c> URL
/// serves TLS with the certificate of <c>Kestrel:Certificates:Default</c>.
/// </summary>
internal sealed class ListenerOptions
{
    /// <summary>The section below <c>Cpst</c> these options are bound from, one key per settable property.</summary>
    public const string Section = "Listen";

    /// <summary>OTLP/gRPC: HTTP/2 cleartext with prior knowledge, or HTTP/2 over TLS (ALPN) for https. Default <c>http://127.0.0.1:4317</c>.</summary>
    public string OtlpGrpc { get; set; } = "http://127.0.0.1:4317";

    /// <summary>OTLP/HTTP and the outcome API. Default <c>http://127.0.0.1:4318</c>.</summary>
    public string OtlpHttp { get; set; } = "http://127.0.0.1:4318";

    /// <summary><c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>. Default <c>http://127.0.0.1:9464</c>.</summary>
    public string Metrics { get; set; } = "http://127.0.0.1:9464";

    /// <summary>The parsed URL of a listener; throws <see cref="CpstConfigurationException"/> naming the key.</summary>
    public ListenerEndpoint Endpoint(Listener listener) => listener switch
    {
        Listener.OtlpGrpc => ListenerEndpoint.Parse(OtlpGrpc, "Cpst:Listen:OtlpGrpc"),
        Listener.OtlpHttp => ListenerEndpoint.Parse(OtlpHttp, "Cpst:Listen:OtlpHttp"),
        _ => ListenerEndpoint.Parse(Metrics, "Cpst:Listen:Metrics"),
    };

    /// <summary>Each URL parses, and no two listeners ask for the same address and port.</summary>
    public void Validate()
    {
        var seen = new List<ListenerEndpoint>();
        foreach (Listener listener in Enum.GetValues<Listener>())
        {
            ListenerEndpoint endpoint = Endpoint(listener);
            ListenerEndpoint? clash = seen.FirstOrDefault(s => s.Port == endpoint.Port && endpoint.Port != 0 &&
                (s.Address.Equals(endpoint.Address) || IsAny(s) || IsAny(endpoint)));
            if (clash is not null)
                throw new CpstConfigurationException($"{endpoint.Key} ({endpoint}) and {clash.Key} ({clash}) use the same port; give each listener its own port");
            seen.Add(endpoint);
        }
    }

    private static bool IsAny(ListenerEndpoint endpoint) =>
        endpoint.Address.Equals(System.Net.IPAddress.Any) || endpoint.Address.Equals(System.Net.IPAddress.IPv6Any);
}
