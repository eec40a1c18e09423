namespace CpstExporter.Tests.Support;

/// <summary>Prometheus's own linter, <c>promtool check metrics</c>, on an exposition.</summary>
internal static class Promtool
{
    /// <summary>
    /// The one finding a real scrape has on purpose: <c>dotnet_thread_pool_thread_count</c> is the OpenTelemetry name of
    /// the runtime's thread count, a gauge, and the linter asks gauges not to end in <c>_count</c>, a histogram's
    /// suffix. The name is kept so that queries written for the OpenTelemetry .NET runtime metrics in Prometheus work on
    /// this scrape as they are (docs/design.md). It is a style finding: Prometheus ingests the series.
    /// </summary>
    public static readonly string[] Accepted =
        ["dotnet_thread_pool_thread_count non-histogram and non-summary metrics should not have \"_count\" suffix"];

    /// <summary>What promtool finds wrong, but for <see cref="Accepted"/>: empty when the exposition parses and lints clean.</summary>
    public static async Task<string> ProblemsAsync(string exposition)
    {
        var (exitCode, output) = await Processes.RunAsync(Binaries.Find("promtool") ?? "promtool", "check metrics", exposition);
        string[] findings = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !Accepted.Contains(line, StringComparer.Ordinal)).ToArray();
        // Exit code 3 is lint findings only; 1 is an exposition promtool could not parse.
        return (exitCode is 0 or 3) && findings.Length == 0 ? "" : $"promtool check metrics (exit {exitCode}):\n{output}";
    }
}
