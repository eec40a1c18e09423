namespace CpstExporter.Auth;

/// <summary>What <see cref="BearerTokens.Check"/> found; <c>Missing</c> and <c>Invalid</c> differ only in the WWW-Authenticate answer.</summary>
internal enum BearerCheck
{
    Allowed,
    Missing,
    Invalid,
}
