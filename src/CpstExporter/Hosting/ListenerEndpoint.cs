using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using CpstExporter.Primitives;

namespace CpstExporter.Hosting;

/// <summary>
/// One <c>Cpst:Listen:*</c> URL, parsed once at start so that a wrong address is a configuration error with the key
/// in the message, not an exception from deep inside Kestrel. <c>https://</c> serves TLS with Kestrel's configured
/// certificate (<c>Kestrel:Certificates:Default</c>).
/// </summary>
internal sealed partial record ListenerEndpoint(string Key, IPAddress Address, int Port, bool Tls)
{
    private const string Example = "use a URL such as http://127.0.0.1:4317, http://0.0.0.0:4317 (all interfaces) or https://0.0.0.0:4317 (TLS)";

    public static ListenerEndpoint Parse(string? url, string key)
    {
        if (string.IsNullOrWhiteSpace(url)) throw new CpstConfigurationException($"{key} is empty; {Example}");
        Match match = UrlPattern().Match(url.Trim());
        if (!match.Success)
            throw new CpstConfigurationException($"{key}: '{url}' is not scheme://address:port; {Example}");
        if (!int.TryParse(match.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
            throw new CpstConfigurationException($"{key}: port '{match.Groups["port"].Value}' is not between 0 and 65535");

        string host = match.Groups["host"].Value;
        IPAddress? address;
        if (host is "*" or "+") address = IPAddress.Any;
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) address = IPAddress.Loopback;
        else if (!IPAddress.TryParse(host.Trim('[', ']'), out address))
            throw new CpstConfigurationException($"{key}: host '{host}' is not an IP address; use 127.0.0.1, 0.0.0.0, [::] or localhost");
        return new ListenerEndpoint(key, address, port, match.Groups["scheme"].Value.Equals("https", StringComparison.OrdinalIgnoreCase));
    }

    public override string ToString() =>
        $"{(Tls ? "https" : "http")}://{(Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]" : Address.ToString())}:{Port}";

    // The port is required: Uri would fill in 80 or 443, and a listener on 80 because the port was forgotten is a surprise.
    [GeneratedRegex(@"^(?<scheme>https?)://(?<host>\[[0-9A-Fa-f:.%a-zA-Z]+\]|[^:/\[\]]+):(?<port>[0-9]{1,5})/?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();
}
