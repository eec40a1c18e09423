using System.Diagnostics;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// A ConfigMap mounted as a directory is updated the way the kubelet does it: the files are symbolic links through
/// <c>..data</c>, itself a link to a folder of the current version, and an update renames a new <c>..data</c> link
/// over the old one. The exporter, set up as the StatefulSet sets it up, applies both files without a restart.
/// </summary>
public sealed class KubernetesConfigMapReloadTests : IDisposable
{
    private readonly string _mount = Directory.CreateTempSubdirectory("cpst-configmap-").FullName;

    public void Dispose() => Directory.Delete(_mount, recursive: true);

    [Fact]
    public async Task ConfigMapUpdate_SwappingTheDataLink_AppliesSettingsAndPricesWithoutRestart()
    {
        var environment = KubernetesManifests.Environment(KubernetesManifests.ExporterContainer());
        Assert.Equal("true", environment["DOTNET_USE_POLLING_FILE_WATCHER"]);
        await WriteVersionAsync("..2026_11_26_10_00_00.1", target: "0.05", inputPrice: "2.50");
        foreach (string file in new[] { "cpst.json", "pricing.yaml" })
            File.CreateSymbolicLink(Path.Combine(_mount, file), Path.Combine("..data", file));

        await using var exporter = await ExporterProcess.StartAsync(
            new Dictionary<string, string> { ["DOTNET_USE_POLLING_FILE_WATCHER"] = environment["DOTNET_USE_POLLING_FILE_WATCHER"] },
            $"--Cpst:SettingsFile={Path.Combine(_mount, "cpst.json")}", $"--Cpst:PricingFile={Path.Combine(_mount, "pricing.yaml")}");
        using var http = new HttpClient();
        string before = await http.GetStringAsync(new Uri(exporter.MetricsAddress, "/metrics"));
        Assert.Contains("cpst_target_usd{use_case=\"support-bot\"} 0.05\n", before);

        await WriteVersionAsync("..2026_11_26_10_05_00.2", target: "0.04", inputPrice: "5.00");

        var waited = Stopwatch.StartNew();
        string metrics;
        while (true)
        {
            metrics = await http.GetStringAsync(new Uri(exporter.MetricsAddress, "/metrics"));
            if (metrics.Contains("cpst_target_usd{use_case=\"support-bot\"} 0.04\n", StringComparison.Ordinal) && PricingVersion(metrics) != PricingVersion(before)) break;
            if (waited.Elapsed > TimeSpan.FromSeconds(30)) Assert.Fail($"the ConfigMap update did not show on /metrics within 30 s:\n{metrics}\n{exporter.Output}");
            await Task.Delay(100);
        }
        Assert.DoesNotContain("cpst_config_reload_failures_total{config=\"pricing\"} 1", metrics);
    }

    /// <summary>A new version of the ConfigMap's files, made current by renaming a new <c>..data</c> link over the old one, as the kubelet does.</summary>
    private async Task WriteVersionAsync(string version, string target, string inputPrice)
    {
        string folder = Path.Combine(_mount, version);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "cpst.json"), $$"""{ "Cpst": { "UseCases": { "support-bot": { "TargetUsd": {{target}} } } } }""");
        File.WriteAllText(Path.Combine(folder, "pricing.yaml"), $"models:\n  - {{ name: gpt-4o, input: {inputPrice}, output: 10.00 }}\n");
        string previous = Directory.Exists(Path.Combine(_mount, "..data")) ? new FileInfo(Path.Combine(_mount, "..data")).LinkTarget! : "";
        File.CreateSymbolicLink(Path.Combine(_mount, "..data_tmp"), version);
        var (exitCode, output) = await Processes.RunAsync("mv", "-T ..data_tmp ..data", workingDirectory: _mount);
        Assert.True(exitCode == 0, output);
        if (previous.Length > 0) Directory.Delete(Path.Combine(_mount, previous), recursive: true);
    }

    private static string PricingVersion(string metrics) =>
        metrics.Split('\n').Single(l => l.StartsWith("cpst_pricing_info{", StringComparison.Ordinal));
}
