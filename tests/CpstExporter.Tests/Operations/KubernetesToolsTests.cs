namespace CpstExporter.Tests.Operations;

/// <summary>
/// deploy/tools run as CI runs them: every kustomization rendered and every object validated against the Kubernetes
/// and Prometheus Operator schemas, the generated manifests up to date, and the generator following its originals
/// when they change.
/// </summary>
public sealed class KubernetesToolsTests
{
    [RequiresKubernetesToolsFact]
    public async Task Validate_EveryKustomization_RendersToObjectsValidAgainstTheSchemas()
    {
        var (exitCode, output) = await KubernetesManifests.RunToolAsync("validate.mjs");

        Assert.True(exitCode == 0, output);
        Assert.Contains("deploy/kubernetes: ", output);
        Assert.Contains("deploy/kubernetes/base: ", output);
        Assert.Contains("deploy/kubernetes/overlays/scale-out: ", output);
    }

    [RequiresKubernetesToolsFact]
    public async Task Generate_Check_GeneratedManifestsMatchTheirOriginals()
    {
        var (exitCode, output) = await KubernetesManifests.RunToolAsync("generate.mjs", "--check");

        Assert.True(exitCode == 0, output);
    }

    [RequiresKubernetesToolsFact]
    public async Task Generate_OriginalsChange_CheckFailsAndARunCarriesEveryChange()
    {
        using var copy = new RepositoryCopy();
        var (before, beforeOutput) = await KubernetesManifests.RunToolAsync("generate.mjs", "--check", copy.Tools);
        Assert.True(before == 0, beforeOutput);

        // What the work on rules and dashboards brings: another rule file, another dashboard, and the Infinity datasource
        // in the Grafana provisioning.
        File.WriteAllText(copy.Path("prometheus", "rules", "cpst-extra.yml"), """
            groups:
              - name: cpst-extra
                rules:
                  - record: use_case:cpst_extra:increase1h
                    expr: sum by (use_case) (increase(cpst_tasks_total[1h]))
            """);
        string dashboard = "{\n  \"uid\": \"cpst-tasks\",\n  \"title\": \"CPST / Tasks\",\n  \"panels\": []\n}\n";
        File.WriteAllText(copy.Path("dashboards", "cpst-tasks.json"), dashboard);
        File.WriteAllText(copy.Path("grafana", "provisioning", "datasources", "cpst-tasks.yml"), """
            apiVersion: 1
            datasources:
              - name: CPST tasks API
                uid: cpst-tasks
                type: yesoreyeram-infinity-datasource
                access: proxy
                url: http://exporter:9464
                jsonData:
                  allowedHosts: [http://exporter:9464]
                  timeoutInSeconds: 30
            """);

        var (stale, staleOutput) = await KubernetesManifests.RunToolAsync("generate.mjs", "--check", copy.Tools);
        Assert.Equal(1, stale);
        Assert.Contains("prometheusrule.yaml", staleOutput);
        Assert.Contains("grafana-dashboards.yaml", staleOutput);
        Assert.Contains("grafana-datasource.yaml", staleOutput);

        Assert.Equal(0, (await KubernetesManifests.RunToolAsync("generate.mjs", "", copy.Tools)).ExitCode);
        Assert.Equal(0, (await KubernetesManifests.RunToolAsync("generate.mjs", "--check", copy.Tools)).ExitCode);
        var (valid, validOutput) = await KubernetesManifests.RunToolAsync("validate.mjs", "", copy.Tools);
        Assert.True(valid == 0, validOutput);

        var rule = KubernetesManifests.Object(copy.Path("deploy", "kubernetes", "base", "generated", "prometheusrule.yaml"), "PrometheusRule");
        Assert.Contains("cpst-extra", YamlTree.List(rule, "spec", "groups").Select(g => YamlTree.Text(g, "name")));

        var dashboards = KubernetesManifests.Objects(copy.Path("deploy", "kubernetes", "base", "generated", "grafana-dashboards.yaml"));
        Assert.Contains(dashboards, d => YamlTree.Map(d, "data").TryGetValue("cpst-tasks.json", out object? text) && (string?)text == dashboard);

        var datasource = KubernetesManifests.Object(copy.Path("deploy", "kubernetes", "base", "generated", "grafana-datasource.yaml"), "ConfigMap");
        object? entry = YamlTree.At(YamlTree.Load(YamlTree.Text(datasource, "data", "cpst-tasks.yaml")), "datasources", 0);
        Assert.Equal("CPST tasks API", YamlTree.Text(entry, "name"));
        Assert.Equal("http://cpst-exporter.cpst.svc:9464", YamlTree.Text(entry, "url"));
        Assert.Equal(new object?[] { "http://cpst-exporter.cpst.svc:9464" }, YamlTree.List(entry, "jsonData", "allowedHosts"));
        Assert.Equal(30L, YamlTree.At(entry, "jsonData", "timeoutInSeconds"));
    }

    [RequiresKubernetesToolsFact]
    public async Task Generate_TwoRuleFilesWithOneGroupName_IsRefusedNamingBoth()
    {
        using var copy = new RepositoryCopy();
        File.Copy(copy.Path("prometheus", "rules", "cpst-recording.yml"), copy.Path("prometheus", "rules", "cpst-recording-copy.yml"));

        var (exitCode, output) = await KubernetesManifests.RunToolAsync("generate.mjs", "", copy.Tools);

        Assert.Equal(1, exitCode);
        Assert.Contains("group 'cpst-recording' is in prometheus/rules/cpst-recording-copy.yml and prometheus/rules/cpst-recording.yml", output);
    }

    /// <summary>The files the tools read, in a temporary folder laid out like the repository, with the installed packages linked in.</summary>
    private sealed class RepositoryCopy : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("cpst-k8s-").FullName;

        public RepositoryCopy()
        {
            CopyDirectory(RepoFiles.Path("deploy", "kubernetes"), Path("deploy", "kubernetes"));
            Directory.CreateDirectory(Tools);
            foreach (string file in Directory.GetFiles(KubernetesManifests.ToolsDirectory))
                File.Copy(file, System.IO.Path.Combine(Tools, System.IO.Path.GetFileName(file)));
            Directory.CreateSymbolicLink(System.IO.Path.Combine(Tools, "node_modules"), System.IO.Path.Combine(KubernetesManifests.ToolsDirectory, "node_modules"));
            CopyDirectory(RepoFiles.Path("prometheus", "rules"), Path("prometheus", "rules"));
            CopyDirectory(RepoFiles.Path("dashboards"), Path("dashboards"));
            CopyDirectory(RepoFiles.Path("grafana", "provisioning", "datasources"), Path("grafana", "provisioning", "datasources"));
            Directory.CreateDirectory(Path("src", "CpstExporter"));
            File.Copy(RepoFiles.Path("src", "CpstExporter", "pricing.yaml"), Path("src", "CpstExporter", "pricing.yaml"));
        }

        public string Tools => Path("deploy", "tools");

        public string Path(params string[] parts) => System.IO.Path.Combine([_root, .. parts]);

        public void Dispose()
        {
            File.Delete(System.IO.Path.Combine(Tools, "node_modules")); // the link only, never the packages it points at
            Directory.Delete(_root, recursive: true);
        }

        private static void CopyDirectory(string from, string to)
        {
            Directory.CreateDirectory(to);
            foreach (string file in Directory.GetFiles(from)) File.Copy(file, System.IO.Path.Combine(to, System.IO.Path.GetFileName(file)));
            foreach (string dir in Directory.GetDirectories(from)) CopyDirectory(dir, System.IO.Path.Combine(to, System.IO.Path.GetFileName(dir)));
        }
    }
}
