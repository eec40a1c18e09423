using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace CpstExporter.Tests.Operations;

/// <summary>The provisioning files parse, and provide every datasource and dashboard uid the dashboards and docs/dashboards.md name.</summary>
public sealed class GrafanaProvisioningTests
{
    [Fact]
    public void Datasources_ParseAndProvideThePrometheusAndTaskApiUids()
    {
        var datasources = GrafanaProvisioning.Datasources().ToList();
        Assert.All(GrafanaProvisioning.Files("datasources"), f => Assert.Equal("1", GrafanaProvisioning.Scalar(GrafanaProvisioning.Load(f), "apiVersion")));
        Assert.Equal(datasources.Count, datasources.Select(d => GrafanaProvisioning.Scalar(d.Datasource, "uid")).Distinct().Count());

        YamlMappingNode prometheus = GrafanaProvisioning.Datasource("prometheus");
        Assert.Equal("prometheus", GrafanaProvisioning.Scalar(prometheus, "type"));

        YamlMappingNode tasks = GrafanaProvisioning.Datasource(InfinityQueries.DatasourceUid);
        Assert.Equal(InfinityQueries.PluginId, GrafanaProvisioning.Scalar(tasks, "type"));
        // The queries give paths only; without a URL Infinity would have no host to send them to.
        Assert.True(Uri.TryCreate(GrafanaProvisioning.Scalar(tasks, "url"), UriKind.Absolute, out Uri? url) && url.AbsolutePath == "/",
            $"the {InfinityQueries.DatasourceUid} datasource's url should be the exporter's metrics listener, not {GrafanaProvisioning.Scalar(tasks, "url")}");
        var jsonData = (YamlMappingNode)tasks.Children[new YamlScalarNode("jsonData")];
        Assert.Equal("Authorization", GrafanaProvisioning.Scalar(jsonData, "httpHeaderName1"));
    }

    [Fact]
    public void Dashboards_UseOnlyProvisionedDatasources()
    {
        var provisioned = GrafanaProvisioning.Datasources().ToDictionary(
            d => GrafanaProvisioning.Scalar(d.Datasource, "uid")!, d => GrafanaProvisioning.Scalar(d.Datasource, "type")!);
        var used = new HashSet<(string Dashboard, string Uid, string Type)>();
        foreach (string file in Directory.GetFiles(RepoFiles.Path("dashboards"), "*.json"))
        {
            using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(file));
            Collect(dashboard.RootElement, Path.GetFileName(file), used);
        }
        Assert.Contains(used, u => u.Uid == InfinityQueries.DatasourceUid);
        Assert.All(used, u => Assert.True(provisioned.TryGetValue(u.Uid, out string? type) && type == u.Type,
            $"{u.Dashboard} uses datasource {u.Uid} ({u.Type}), which grafana/provisioning/datasources does not provide with that type"));
    }

    [Fact]
    public void Dashboards_HaveTheUidsOfTheDesignAndShareTheCpstTag()
    {
        var uids = new List<string>();
        foreach (string file in Directory.GetFiles(RepoFiles.Path("dashboards"), "*.json"))
        {
            using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(file));
            string uid = dashboard.RootElement.GetProperty("uid").GetString()!;
            uids.Add(uid);
            Assert.Equal(uid + ".json", Path.GetFileName(file));
            // The "CPST dashboards" links find each other by this tag.
            Assert.Contains("cpst", dashboard.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        }
        Assert.Equal(["cpst-exporter", "cpst-finance", "cpst-models", "cpst-overview", "cpst-tasks"], uids.Order());
    }

    [Fact]
    public void DashboardProvider_LoadsTheFolderOfTheDashboards()
    {
        YamlMappingNode root = GrafanaProvisioning.Load(GrafanaProvisioning.Files("dashboards").Single());
        var provider = (YamlMappingNode)((YamlSequenceNode)root.Children[new YamlScalarNode("providers")])[0];
        var options = (YamlMappingNode)provider.Children[new YamlScalarNode("options")];
        Assert.Equal("file", GrafanaProvisioning.Scalar(provider, "type"));
        Assert.Equal(ComposeFileTests.GrafanaDashboardsPath, GrafanaProvisioning.Scalar(options, "path"));
    }

    private static void Collect(JsonElement element, string dashboard, HashSet<(string, string, string)> used)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    if (property.Name == "datasource" && property.Value.ValueKind == JsonValueKind.Object
                        && property.Value.TryGetProperty("uid", out JsonElement uid) && property.Value.TryGetProperty("type", out JsonElement type)
                        && type.GetString() != "grafana") // the built-in annotations
                        used.Add((dashboard, uid.GetString()!, type.GetString()!));
                    else Collect(property.Value, dashboard, used);
                }
                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray()) Collect(item, dashboard, used);
                break;
        }
    }
}
