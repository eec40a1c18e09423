using CpstExporter.Tests.Support;
using Xunit;

namespace CpstExporter.Tests.Operations;

/// <summary>The compose stack's file is valid as docker-compose reads it (no engine needed to check).</summary>
public sealed class ComposeFileTests
{
    [RequiresBinaryFact("docker-compose")]
    public async Task Config_ComposeFile_IsValid()
    {
        var (exitCode, output) = await Processes.RunAsync(Binaries.Find("docker-compose") ?? "docker-compose", "-f docker-compose.yml config -q");
        Assert.True(exitCode == 0, output);
    }
}
