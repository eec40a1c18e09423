namespace CpstExporter.Tests.Pricing;

/// <summary>
/// A fact that reads a data file kept outside the repository: skipped, with a reason that names the path, when the file
/// is absent (a clone without it must still pass). The path is relative to the repository's root.
/// </summary>
internal sealed class RequiresFileFactAttribute : FactAttribute
{
    public RequiresFileFactAttribute(params string[] pathFromRepoRoot)
    {
        string path = FullPath(pathFromRepoRoot);
        if (!File.Exists(path)) Skip = $"{path} is not there: this test reads that data file beside the repository and runs where it is";
    }

    public static string FullPath(params string[] pathFromRepoRoot) => Path.GetFullPath(RepoFiles.Path(pathFromRepoRoot));
}
