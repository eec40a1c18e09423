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

    /// <summary>
    /// <c>Allowed</c> for <c>Bearer</c> (any case, RFC 7235), one or more spaces, then one of the tokens exactly: the token
    /// is compared byte for byte, case included; whitespace around it is ignored (HTTP strips it from a header's ends
    /// anyway), whitespace inside it is not. <c>Missing</c> without bearer credentials: no header, or another scheme
    /// (<c>Basic …</c>, a bare token), which RFC 6750 answers with a challenge that names no error. <c>Invalid</c> for a
    /// bearer token that is none of the configured ones. Only the header counts: a token in the query string
    /// (<c>?access_token=</c>) is never read.
    /// </summary>
    public BearerCheck Check(HttpRequest request)
    {
        if (!Required) return BearerCheck.Allowed;
        string? header = request.Headers[HeaderNames.Authorization];
        if (string.IsNullOrEmpty(header)) return BearerCheck.Missing;
        const string Scheme = "Bearer";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return BearerCheck.Missing;
        ReadOnlySpan<char> rest = header.AsSpan(Scheme.Length);
        if (rest.IsEmpty) return BearerCheck.Invalid; // the scheme without a token
        if (rest[0] != ' ') return BearerCheck.Missing; // another scheme that starts alike ("Bearerx …")
        return Matches(rest.Trim()) ? BearerCheck.Allowed : BearerCheck.Invalid;
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
