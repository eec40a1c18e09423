namespace CpstExporter.Tests.Support;

/// <summary>A fact that needs external programs: skipped with the reason when one is missing locally, never in CI.</summary>
internal sealed class RequiresBinaryFactAttribute : Xunit.FactAttribute
{
    public RequiresBinaryFactAttribute(params string[] binaries)
    {
        string[] missing = binaries.Where(b => Binaries.Find(b) is null).ToArray();
        if (missing.Length > 0 && !Binaries.InCi)
            Skip = $"{string.Join(", ", missing.Select(b => $"'{b}'"))} {(missing.Length == 1 ? "is" : "are")} not installed; CI installs {(missing.Length == 1 ? "it" : "them")} (see .ci/run) and runs this test";
    }
}
