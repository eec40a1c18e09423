using YamlDotNet.RepresentationModel;

namespace CpstExporter.Tests.Operations;

/// <summary>The compose stack's file is valid as docker-compose reads it (no engine needed to check).</summary>
public sealed class ComposeFileTests
{
    /// <summary>Where compose mounts <c>dashboards/</c> in the Grafana container, and the dashboard provider loads from.</summary>
    public const string GrafanaDashboardsPath = "/var/lib/grafana/dashboards";

    [RequiresBinaryFact("docker-compose")]
    public async Task Config_ComposeFile_IsValid()
    {
        var (exitCode, output) = await Processes.RunAsync(Binaries.Find("docker-compose") ?? "docker-compose", "-f docker-compose.yml config -q");
        Assert.True(exitCode == 0, output);
    }

    [RequiresBinaryFact("docker-compose")]
    public async Task Config_Grafana_InstallsTheInfinityPluginAndReachesTheTaskApi()
    {
        YamlMappingNode services = await ResolvedServicesAsync();
        var grafana = (YamlMappingNode)services.Children[new YamlScalarNode("grafana")];
        var environment = (YamlMappingNode)grafana.Children[new YamlScalarNode("environment")];

        // Installed before Grafana serves, so the provisioned datasource and the tasks dashboard find the plugin.
        string? plugins = GrafanaProvisioning.Scalar(environment, "GF_PLUGINS_PREINSTALL_SYNC");
        Assert.NotNull(plugins);
        Assert.Contains(InfinityQueries.PluginId, plugins.Split(',').Select(p => p.Split('@')[0].Trim()));
        // The provisioning file reads the task API token from Grafana's environment.
        Assert.NotNull(GrafanaProvisioning.Scalar(environment, "CPST_METRICS_TOKEN"));

        string[] volumes = [.. ((YamlSequenceNode)grafana.Children[new YamlScalarNode("volumes")]).Select(v => ((YamlScalarNode)v).Value!)];
        Assert.Contains(volumes, v => v.StartsWith(RepoFiles.Path("grafana", "provisioning") + ":/etc/grafana/provisioning", StringComparison.Ordinal));
        Assert.Contains(volumes, v => v.StartsWith(RepoFiles.Path("dashboards") + ":" + GrafanaDashboardsPath, StringComparison.Ordinal));

        // The task API datasource points at the exporter service, on the port Prometheus scrapes.
        var url = new Uri(GrafanaProvisioning.Scalar(GrafanaProvisioning.Datasource(InfinityQueries.DatasourceUid), "url")!);
        Assert.True(services.Children.ContainsKey(new YamlScalarNode(url.Host)), $"the task API datasource points at {url.Host}, which is not a compose service");
        Assert.Contains($"- {url.Authority}\n", File.ReadAllText(RepoFiles.Path("prometheus", "prometheus.yml")));
    }

    private static async Task<YamlMappingNode> ResolvedServicesAsync()
    {
        var (exitCode, output) = await Processes.RunAsync(Binaries.Find("docker-compose") ?? "docker-compose", "-f docker-compose.yml config");
        Assert.True(exitCode == 0, output);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(output));
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("services")];
    }
}
