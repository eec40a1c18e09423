namespace CpstExporter.Tests.Support;

/// <summary>A request a fake cost API received: when by the test's clock, what it asked for and with which key.</summary>
internal sealed record CostRequest(DateTimeOffset At, string PathAndQuery, string? Key, string? Version)
{
    /// <summary>The value of a query parameter (the last, when repeated), or null.</summary>
    public string? Query(string name) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri("http://x" + PathAndQuery).Query).TryGetValue(name, out var values) ? values.ToString() : null;
}
