using YamlDotNet.RepresentationModel;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// The manifests that deploy/tools/generate.mjs copies from the rules, dashboards, Grafana provisioning and price
/// table say exactly what their originals say, read as YAML and JSON (no Node.js needed), and the rules in the
/// PrometheusRule pass promtool.
/// </summary>
public sealed class KubernetesGeneratedManifestsTests
{
    private const string Regenerate = "run (cd deploy/tools && npm ci && node generate.mjs) and commit the result";

    private static string[] RuleFiles() =>
        Directory.GetFiles(RepoFiles.Path("prometheus", "rules"), "*.yml").Concat(Directory.GetFiles(RepoFiles.Path("prometheus", "rules"), "*.yaml"))
            .Order(StringComparer.Ordinal).ToArray();

    private static Dictionary<string, object?> PrometheusRule() =>
        KubernetesManifests.Object(KubernetesManifests.Base("generated", "prometheusrule.yaml"), "PrometheusRule");

    [Fact]
    public void PrometheusRule_Groups_AreExactlyTheGroupsOfEveryRuleFile()
    {
        var expected = RuleFiles().SelectMany(f => YamlTree.List(YamlTree.Load(File.ReadAllText(f)), "groups")).ToList();
        var actual = YamlTree.List(PrometheusRule(), "spec", "groups");

        Assert.NotEmpty(expected);
        Assert.True(YamlTree.Canonical(expected) == YamlTree.Canonical(actual),
            $"the PrometheusRule's groups differ from prometheus/rules/*.yml: {Regenerate}");
    }

    [Fact]
    public void PrometheusRule_EveryAlertOfTheContract_IsInIt()
    {
        var alerts = YamlTree.List(PrometheusRule(), "spec", "groups")
            .SelectMany(g => YamlTree.List(g, "rules")).Cast<Dictionary<string, object?>>()
            .Where(r => r.ContainsKey("alert")).Select(r => (string)r["alert"]!).ToHashSet();

        Assert.Contains("CpstSpike", alerts);
        Assert.Contains("CpstExporterDown", alerts);
        Assert.Contains("CpstExporterRejectingSpans", alerts);
    }

    [RequiresBinaryFact("promtool")]
    public async Task PrometheusRule_ItsGroups_PassPromtoolCheckRules()
    {
        // spec of the PrometheusRule is a rule file: take it out as one, node for node.
        var stream = new YamlStream();
        using (var reader = new StreamReader(KubernetesManifests.Base("generated", "prometheusrule.yaml"))) stream.Load(reader);
        var spec = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)[new YamlScalarNode("spec")];
        var ruleFile = new YamlStream(new YamlDocument(new YamlMappingNode(new YamlScalarNode("groups"), spec[new YamlScalarNode("groups")])));
        string path = Path.Combine(Directory.CreateTempSubdirectory("cpst-rules-").FullName, "prometheusrule-spec.yml");
        try
        {
            using (var writer = new StreamWriter(path)) ruleFile.Save(writer, assignAnchors: false);

            var (exitCode, output) = await Processes.RunAsync(Binaries.Find("promtool") ?? "promtool", $"check rules {path}");

            Assert.True(exitCode == 0, output);
            int expectedRules = RuleFiles().Sum(f => YamlTree.List(YamlTree.Load(File.ReadAllText(f)), "groups").Sum(g => YamlTree.List(g, "rules").Count));
            Assert.Contains($"SUCCESS: {expectedRules} rules found", output);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void DashboardConfigMaps_HoldEveryDashboardFile_ByteForByte()
    {
        var configMaps = KubernetesManifests.Objects(KubernetesManifests.Base("generated", "grafana-dashboards.yaml"));
        var held = new Dictionary<string, string>();
        foreach (var configMap in configMaps)
        {
            Assert.Equal("ConfigMap", configMap["kind"]);
            Assert.Equal("1", YamlTree.Text(configMap, "metadata", "labels", "grafana_dashboard"));
            foreach (var (key, value) in YamlTree.Map(configMap, "data")) held.Add(key, (string)value!);
        }

        var files = Directory.GetFiles(RepoFiles.Path("dashboards"), "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        Assert.True(files.Select(Path.GetFileName).SequenceEqual(held.Keys.Order(StringComparer.Ordinal)),
            $"dashboards/ has {string.Join(", ", files.Select(Path.GetFileName))}, the ConfigMaps hold {string.Join(", ", held.Keys)}: {Regenerate}");
        foreach (string file in files)
            Assert.True(held[Path.GetFileName(file)] == File.ReadAllText(file), $"{Path.GetFileName(file)} differs from its ConfigMap: {Regenerate}");
    }

    [Fact]
    public void DashboardConfigMaps_FitTheAnnotationThatKubectlApplyWrites()
    {
        // Client-side apply keeps a copy of the object in an annotation, and an object's annotations may hold 262,144 bytes.
        foreach (var configMap in KubernetesManifests.Objects(KubernetesManifests.Base("generated", "grafana-dashboards.yaml")))
            Assert.True(System.Text.Json.JsonSerializer.Serialize(configMap).Length < 250_000, $"{YamlTree.Text(configMap, "metadata", "name")} is too large for kubectl apply");
    }

    [Fact]
    public void DatasourceConfigMap_ProvisionsTheTasksDatasourceAtTheMetricsService()
    {
        var configMap = KubernetesManifests.Object(KubernetesManifests.Base("generated", "grafana-datasource.yaml"), "ConfigMap");
        Assert.Equal("1", YamlTree.Text(configMap, "metadata", "labels", "grafana_datasource"));
        var provisioning = YamlTree.Load(YamlTree.Text(configMap, "data", "cpst-tasks.yaml"));
        Assert.Equal(1L, YamlTree.At(provisioning, "apiVersion"));
        var entry = YamlTree.Map(provisioning, "datasources", 0);

        var metrics = KubernetesManifests.Object(KubernetesManifests.Base("services.yaml"), "Service", "cpst-exporter");
        long port = YamlTree.List(metrics, "spec", "ports").Cast<Dictionary<string, object?>>().Single(p => (string?)p["name"] == "metrics")["port"] as long? ?? 0;
        string url = $"http://{YamlTree.Text(metrics, "metadata", "name")}.{YamlTree.Text(metrics, "metadata", "namespace")}.svc:{port}";
        Assert.Equal("cpst-tasks", entry["uid"]);
        Assert.Equal("yesoreyeram-infinity-datasource", entry["type"]);
        Assert.Equal(url, entry["url"]);

        // Where the Grafana provisioning defines the datasource, the ConfigMap is that definition with the URL of the Service.
        var provisioned = Directory.GetFiles(RepoFiles.Path("grafana", "provisioning", "datasources"))
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .SelectMany(f => YamlTree.Load(File.ReadAllText(f)) is Dictionary<string, object?> d && d.TryGetValue("datasources", out object? list) && list is List<object?> l ? l : [])
            .Cast<Dictionary<string, object?>>()
            .FirstOrDefault(d => (string?)d.GetValueOrDefault("uid") == "cpst-tasks");
        if (provisioned is null) return;
        var expected = new Dictionary<string, object?>(provisioned) { ["url"] = url };
        if (YamlTree.At(provisioned, "jsonData") is Dictionary<string, object?> jsonData && jsonData.ContainsKey("allowedHosts"))
            expected["jsonData"] = new Dictionary<string, object?>(jsonData) { ["allowedHosts"] = new List<object?> { url } };
        Assert.True(YamlTree.Canonical(expected) == YamlTree.Canonical(entry), $"the datasource differs from grafana/provisioning/datasources: {Regenerate}");
    }

    [Fact]
    public void PriceTable_OfTheConfigMap_IsTheShippedOne()
    {
        Assert.True(File.ReadAllText(RepoFiles.Path("src", "CpstExporter", "pricing.yaml")) == File.ReadAllText(KubernetesManifests.Base("config", "pricing.yaml")),
            $"deploy/kubernetes/base/config/pricing.yaml differs from src/CpstExporter/pricing.yaml: {Regenerate}");
    }
}
