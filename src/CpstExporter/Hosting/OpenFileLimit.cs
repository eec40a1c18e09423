using System.Globalization;

namespace CpstExporter.Hosting;

/// <summary>
/// The process's open-file limit (the soft <c>RLIMIT_NOFILE</c>, which .NET raises to the hard limit at start), so
/// that the connection limits can be checked against it. Read from <c>/proc/self/limits</c>; null where that file
/// does not exist (not Linux) or says <c>unlimited</c>.
/// </summary>
internal static class OpenFileLimit
{
    private const string LimitsFile = "/proc/self/limits";

    public static long? Read()
    {
        try
        {
            return File.Exists(LimitsFile) ? Parse(File.ReadAllText(LimitsFile)) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The soft limit from the text of <c>/proc/&lt;pid&gt;/limits</c>.</summary>
    public static long? Parse(string limits)
    {
        foreach (string line in limits.Split('\n'))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
            string[] columns = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return columns.Length > 0 && long.TryParse(columns[0], NumberStyles.None, CultureInfo.InvariantCulture, out long soft) ? soft : null;
        }
        return null;
    }
}
