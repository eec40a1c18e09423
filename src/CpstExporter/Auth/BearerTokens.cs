using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CpstExporter.Auth;

/// <summary>
/// Checks <c>Authorization: Bearer &lt;token&gt;</c> against configured tokens in constant time: every token is
/// compared, each over the same padded length, so neither the matching token, its position in the list nor its
/// length shows in the response time.
/// </summary>
internal sealed class BearerTokens
{
    private readonly byte[][] _tokens;
    private readonly int[] _lengths;
    private readonly int _width;

    public BearerTokens(IReadOnlyList<string> tokens)
    {
        _width = tokens.Count == 0 ? 0 : tokens.Max(t => Encoding.UTF8.GetByteCount(t));
        _tokens = tokens.Select(t => Padded(Encoding.UTF8.GetBytes(t), _width)).ToArray();
        _lengths = tokens.Select(t => Encoding.UTF8.GetByteCount(t)).ToArray();
    }

    /// <summary>False when no token is configured: the surface is open.</summary>
    public bool Required => _tokens.Length > 0;

    public BearerCheck Check(HttpRequest request)
    {
        if (!Required) return BearerCheck.Allowed;
        string? header = request.Headers[HeaderNames.Authorization];
        if (string.IsNullOrEmpty(header)) return BearerCheck.Missing;
        const string Scheme = "Bearer ";
        if (header.Length <= Scheme.Length || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return BearerCheck.Invalid;
        return Matches(header.AsSpan(Scheme.Length).Trim()) ? BearerCheck.Allowed : BearerCheck.Invalid;
    }

    internal bool Matches(ReadOnlySpan<char> presented)
    {
        int length = Encoding.UTF8.GetByteCount(presented);
        byte[] candidate = new byte[_width];
        if (length <= _width) Encoding.UTF8.GetBytes(presented, candidate);
        int match = 0;
        for (int i = 0; i < _tokens.Length; i++)
        {
            // Non-short-circuit operators: every token costs the same whether or not an earlier one matched.
            bool same = CryptographicOperations.FixedTimeEquals(candidate, _tokens[i]) & length == _lengths[i];
            match |= same ? 1 : 0;
        }
        return match != 0;
    }

    private static byte[] Padded(byte[] token, int width)
    {
        byte[] padded = new byte[width];
        token.CopyTo(padded, 0);
        return padded;
    }
}
