namespace CpstExporter.Tests.Support;

/// <summary>Files of the repository the tests read as they ship, found from the test output folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string ShippedPriceTable => Path.Combine(Root, "src", "CpstExporter", "pricing.yaml");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CpstExporter.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds CpstExporter.sln");
    }
}
