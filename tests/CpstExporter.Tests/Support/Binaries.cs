namespace CpstExporter.Tests.Support;

/// <summary>Finds the external programs system tests use (promtool, prometheus) on PATH.</summary>
internal static class Binaries
{
    public static string? Find(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>CI installs every binary; there a missing one is a failure, not a skip.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A fact that needs an external program: skipped with the reason when it is missing locally, never in CI.</summary>
internal sealed class RequiresBinaryFactAttribute : Xunit.FactAttribute
{
    public RequiresBinaryFactAttribute(string binary)
    {
        if (Binaries.Find(binary) is null && !Binaries.InCi)
            Skip = $"'{binary}' is not installed; CI installs it (see .ci/run) and runs this test";
    }
}
