namespace CpstExporter.Tests.Support;

/// <summary>Prometheus's own linter, <c>promtool check metrics</c>, on an exposition.</summary>
internal static class Promtool
{
    /// <summary>What promtool finds wrong: empty when the exposition parses and lints clean, without a single finding.</summary>
    public static async Task<string> ProblemsAsync(string exposition)
    {
        var (exitCode, output) = await Processes.RunAsync(Binaries.Find("promtool") ?? "promtool", "check metrics", exposition);
        // Exit code 3 is lint findings only; 1 is an exposition promtool could not parse.
        return exitCode == 0 && output.Trim().Length == 0 ? "" : $"promtool check metrics (exit {exitCode}):\n{output}";
    }

    /// <summary>
    /// What Prometheus's OpenMetrics parser finds wrong with an OpenMetrics exposition: empty when it parses. <c>promtool
    /// check metrics</c> reads the text format only (an exemplar or <c># EOF</c> is a parse error to it), so the
    /// exposition goes through the strict OpenMetrics parser promtool has for backfilling, <c>promtool tsdb
    /// create-blocks-from openmetrics</c>, which asks for a timestamp on every sample: one is added after each value,
    /// found by reading the label values as the format escapes them, so a value that broke out of its quotes would
    /// show as the parse error it is.
    /// </summary>
    public static async Task<string> OpenMetricsProblemsAsync(string exposition)
    {
        string directory = Directory.CreateTempSubdirectory("cpst-openmetrics-").FullName;
        try
        {
            string input = Path.Combine(directory, "exposition.om");
            await File.WriteAllTextAsync(input, WithTimestamps(exposition), new System.Text.UTF8Encoding(false));
            var (exitCode, output) = await Processes.RunAsync(Binaries.Find("promtool") ?? "promtool",
                $"tsdb create-blocks-from openmetrics {input} {Path.Combine(directory, "blocks")}");
            return exitCode == 0 ? "" : $"promtool tsdb create-blocks-from openmetrics (exit {exitCode}):\n{output}";
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Each sample line with a timestamp after its value, before an exemplar; comments as they are.</summary>
    private static string WithTimestamps(string exposition)
    {
        var lines = exposition.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n];
            if (line.Length == 0 || line[0] == '#') continue;
            int at = line.IndexOfAny([' ', '{']);
            if (at > 0 && line[at] == '{')
            {
                bool quoted = false, escaped = false;
                for (at++; at < line.Length; at++)
                {
                    char c = line[at];
                    if (escaped) escaped = false;
                    else if (quoted && c == '\\') escaped = true;
                    else if (c == '"') quoted = !quoted;
                    else if (!quoted && c == '}') break;
                }
                at++;
            }
            if (at <= 0 || at >= line.Length) continue; // not a sample: left for the parser to refuse
            int valueEnd = line.IndexOf(' ', at + 1);
            lines[n] = valueEnd < 0 ? line + " 1700000000" : line[..valueEnd] + " 1700000000" + line[valueEnd..];
        }
        return string.Join('\n', lines);
    }
}
