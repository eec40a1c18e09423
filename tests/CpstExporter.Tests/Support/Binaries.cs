namespace CpstExporter.Tests.Support;

/// <summary>Finds the external programs system tests use (promtool, prometheus, alertmanager, amtool) on PATH.</summary>
internal static class Binaries
{
    // Debian installs Alertmanager as prometheus-alertmanager; upstream archives and images call it alertmanager.
    private static readonly Dictionary<string, string[]> OtherNames = new(StringComparer.Ordinal)
    {
        ["alertmanager"] = ["prometheus-alertmanager"],
    };

    public static string? Find(string name)
    {
        string[] names = OtherNames.TryGetValue(name, out string[]? others) ? [name, .. others] : [name];
        foreach (string candidate in names)
            foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            {
                string path = Path.Combine(dir, candidate);
                if (File.Exists(path)) return path;
            }
        return null;
    }

    /// <summary>CI installs every binary; there a missing one is a failure, not a skip.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}
