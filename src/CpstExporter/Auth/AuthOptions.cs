using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Auth;

/// <summary>
/// Bearer tokens (<c>Cpst:Auth</c>). <c>Tokens</c> guard the write paths (OTLP/gRPC, OTLP/HTTP, the outcome API);
/// <c>MetricsTokens</c> guard <c>/metrics</c>, since Prometheus can send a bearer token with its scrapes. An empty
/// list leaves that surface open. <c>/healthz</c> and <c>/readyz</c> are always open, for probes.
/// </summary>
internal sealed class AuthOptions
{
    /// <summary>Tokens accepted on the write paths. Default none (no authentication).</summary>
    public IReadOnlyList<string> Tokens { get; init; } = [];

    /// <summary>Tokens accepted on <c>/metrics</c>. Default none (open).</summary>
    public IReadOnlyList<string> MetricsTokens { get; init; } = [];

    public static AuthOptions Read(IConfigurationSection auth) => new()
    {
        Tokens = ReadList(auth.GetSection("Tokens"), "Cpst:Auth:Tokens"),
        MetricsTokens = ReadList(auth.GetSection("MetricsTokens"), "Cpst:Auth:MetricsTokens"),
    };

    private static List<string> ReadList(IConfigurationSection list, string key)
    {
        // A plain value (Cpst__Auth__Tokens=secret) binds to an empty list and would silently turn authentication off.
        if (!string.IsNullOrEmpty(list.Value))
            throw new CpstConfigurationException($"{key} is a list: set {key}:0 (environment: {key.Replace(":", "__", StringComparison.Ordinal)}__0), {key}:1, … instead of {key}");
        var tokens = new List<string>();
        foreach (IConfigurationSection item in list.GetChildren())
        {
            string? token = item.Value;
            if (string.IsNullOrWhiteSpace(token))
                throw new CpstConfigurationException($"{key}:{item.Key} is empty; remove it or set a token (at least 16 characters)");
            if (token.Length != token.Trim().Length || token.Any(c => c < 0x21 || c > 0x7E))
                throw new CpstConfigurationException($"{key}:{item.Key} contains spaces or characters that cannot travel in an Authorization header; use printable ASCII (e.g. base64url from 'openssl rand -base64 32')");
            tokens.Add(token);
        }
        return tokens;
    }
}
