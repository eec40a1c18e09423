namespace CpstExporter.Tests.Support;

/// <summary>Paths inside the repository, found from the test binaries by walking up to the solution file.</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CpstExporter.sln"))) return dir.FullName;
        throw new InvalidOperationException("CpstExporter.sln not found above " + AppContext.BaseDirectory);
    }
}
