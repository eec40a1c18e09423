using Microsoft.AspNetCore.Http;

namespace CpstExporter.Exposition;

/// <summary>The rules every JSON API of the metrics listener applies to its query string, written once.</summary>
internal static class QueryParameters
{
    /// <summary>
    /// Whether every parameter of <paramref name="query"/> is one of <paramref name="known"/>, given once; else false and
    /// the message a 400 answers with.
    /// </summary>
    public static bool AreKnownOnce(IQueryCollection query, string[] known, out string? error)
    {
        error = null;
        foreach (var (key, values) in query)
        {
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                error = $"unknown parameter '{key}': use {string.Join(", ", known)}";
                return false;
            }
            if (values.Count > 1)
            {
                error = $"parameter '{key}' given {values.Count} times: give it once";
                return false;
            }
        }
        return true;
    }

    /// <summary>The value of <paramref name="key"/>; null when absent, empty or <c>*</c> (Grafana's "All").</summary>
    public static string? Value(IQueryCollection query, string key) =>
        query.TryGetValue(key, out var v) && v[0] is { Length: > 0 } value && value != "*" ? value : null;
}
