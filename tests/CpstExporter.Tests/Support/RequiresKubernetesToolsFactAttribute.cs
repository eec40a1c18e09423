namespace CpstExporter.Tests.Support;

/// <summary>A fact that runs the tools under deploy/tools: skipped with the reason when node or their packages are missing locally, never in CI.</summary>
internal sealed class RequiresKubernetesToolsFactAttribute : FactAttribute
{
    public RequiresKubernetesToolsFactAttribute()
    {
        if (KubernetesManifests.ToolsMissing() is { } reason && !Binaries.InCi) Skip = reason;
    }
}
