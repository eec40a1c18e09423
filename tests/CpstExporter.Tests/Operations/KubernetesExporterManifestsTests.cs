using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using CpstExporter.Hosting;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// The exporter's StatefulSet, Services and ServiceMonitor agree with the exporter itself: the probes reach the paths
/// and ports it serves, its settings pass its own configuration check, its state file is on the volume that outlives
/// the pod, and Prometheus scrapes it under the job that the rules select.
/// </summary>
public sealed partial class KubernetesExporterManifestsTests
{
    private static ListenerEndpoint Listener(string key) =>
        ListenerEndpoint.Parse(KubernetesManifests.Environment(KubernetesManifests.ExporterContainer())[key.Replace(":", "__", StringComparison.Ordinal)], key);

    [Fact]
    public void Listeners_AreOnAllAddresses_AtTheContainerPorts()
    {
        var container = KubernetesManifests.ExporterContainer();
        foreach (var (key, portName) in new[] { ("Cpst:Listen:OtlpGrpc", "otlp-grpc"), ("Cpst:Listen:OtlpHttp", "otlp-http"), ("Cpst:Listen:Metrics", "metrics") })
        {
            ListenerEndpoint listener = Listener(key);
            Assert.Equal(IPAddress.Any, listener.Address);
            Assert.False(listener.Tls);
            Assert.Equal(listener.Port, KubernetesManifests.ContainerPort(container, portName));
        }
    }

    [Fact]
    public void Probes_PathsAndPorts_AreTheExporterListeners()
    {
        var container = KubernetesManifests.ExporterContainer();
        int metrics = Listener("Cpst:Listen:Metrics").Port;

        Assert.Equal("/readyz", YamlTree.Text(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal(metrics, KubernetesManifests.ContainerPort(container, YamlTree.At(container, "readinessProbe", "httpGet", "port")));
        Assert.Equal("/healthz", YamlTree.Text(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal(metrics, KubernetesManifests.ContainerPort(container, YamlTree.At(container, "livenessProbe", "httpGet", "port")));
        // grpc.health.v1.Health/Check on the OTLP/gRPC listener (README.md).
        Assert.Equal((long)Listener("Cpst:Listen:OtlpGrpc").Port, YamlTree.At(container, "startupProbe", "grpc", "port"));
    }

    [Fact]
    public async Task Probes_HttpPaths_AnswerOkOnARunningExporter()
    {
        var container = KubernetesManifests.ExporterContainer();
        await using var exporter = await ExporterUnderTest.StartAsync();
        using var http = new HttpClient();

        foreach (string probe in new[] { "readinessProbe", "livenessProbe" })
        {
            using var response = await http.GetAsync(new Uri(exporter.MetricsAddress, YamlTree.Text(container, probe, "httpGet", "path")));
            Assert.True(response.IsSuccessStatusCode, $"{probe}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public void Settings_OfTheStatefulSetAndItsConfigMap_PassTheExporterConfigurationCheck()
    {
        var environment = KubernetesManifests.Environment(KubernetesManifests.ExporterContainer());
        string temp = Directory.CreateTempSubdirectory("cpst-k8s-config-").FullName;
        try
        {
            // The ConfigMap's files where the pod mounts them, and the state volume, under a temporary folder.
            string config = Path.Combine(temp, "etc-cpst"), state = Path.Combine(temp, "var-lib-cpst");
            Directory.CreateDirectory(state);
            Directory.CreateDirectory(config);
            foreach (string file in ConfigMapFiles()) File.Copy(file, Path.Combine(config, Path.GetFileName(file)));
            string[] args = environment
                .Where(e => e.Key.StartsWith("Cpst__", StringComparison.Ordinal))
                .Select(e => $"--{e.Key.Replace("__", ":", StringComparison.Ordinal)}={e.Value.Replace("/etc/cpst", config, StringComparison.Ordinal).Replace("/var/lib/cpst", state, StringComparison.Ordinal)}")
                .ToArray();
            var warnings = new StringWriter();

            string summary = CpstHost.CheckConfiguration(args, warnings);

            Assert.Equal("", warnings.ToString());
            Assert.Contains($"price table {Path.Combine(config, "pricing.yaml")}", summary);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public void ConfigMap_IsMountedAsADirectory_HoldingTheWatchedFiles()
    {
        var environment = KubernetesManifests.Environment(KubernetesManifests.ExporterContainer());
        var (mount, configMap) = Mount("config");

        Assert.False(mount.ContainsKey("subPath"), "a subPath mount never sees an update of the ConfigMap");
        Assert.Equal("cpst-exporter-config", YamlTree.Text(configMap, "configMap", "name"));
        string directory = YamlTree.Text(mount, "mountPath");
        var keys = ConfigMapFiles().Select(Path.GetFileName).ToHashSet();
        foreach (string key in new[] { "Cpst__SettingsFile", "Cpst__PricingFile" })
        {
            Assert.Equal(directory, Path.GetDirectoryName(environment[key]));
            Assert.Contains(Path.GetFileName(environment[key]), keys);
        }
        // ConfigMap updates swap a symbolic link, which file events do not report.
        Assert.Equal("true", environment["DOTNET_USE_POLLING_FILE_WATCHER"]);
    }

    [Fact]
    public void StateFile_IsOnTheReplicasVolumeClaim_AndTheGracePeriodCoversTheShutdown()
    {
        var statefulSet = KubernetesManifests.StatefulSet();
        string stateFile = KubernetesManifests.Environment(KubernetesManifests.ExporterContainer())["Cpst__Tasks__StateFile"];
        var claims = YamlTree.List(statefulSet, "spec", "volumeClaimTemplates").Select(c => YamlTree.Text(c, "metadata", "name")).ToList();
        var stateMount = YamlTree.List(KubernetesManifests.ExporterContainer(), "volumeMounts").Cast<Dictionary<string, object?>>()
            .Single(m => stateFile.StartsWith(YamlTree.Text(m, "mountPath") + "/", StringComparison.Ordinal));

        Assert.Contains(YamlTree.Text(stateMount, "name"), claims);
        // After SIGTERM: exports in flight, the state file, the drain for the last scrape, closing; then some slack.
        var environment = KubernetesManifests.Environment(KubernetesManifests.ExporterContainer());
        var shutdown = new ShutdownOptions();
        if (environment.TryGetValue("Cpst__Shutdown__DrainSeconds", out string? drain)) shutdown.DrainSeconds = int.Parse(drain, CultureInfo.InvariantCulture);
        long grace = (long)YamlTree.At(statefulSet, "spec", "template", "spec", "terminationGracePeriodSeconds")!;
        Assert.True(grace >= shutdown.HostTimeout.TotalSeconds + 10, $"terminationGracePeriodSeconds {grace} leaves no time to write the state file and drain");
    }

    [Fact]
    public void Container_RunsAsNonRootOnAReadOnlyRootFilesystem_WritingOnlyToVolumes()
    {
        var statefulSet = KubernetesManifests.StatefulSet();
        var container = KubernetesManifests.ExporterContainer();

        Assert.Equal(true, YamlTree.At(container, "securityContext", "readOnlyRootFilesystem"));
        Assert.Equal(true, YamlTree.At(container, "securityContext", "runAsNonRoot"));
        Assert.Equal(false, YamlTree.At(container, "securityContext", "allowPrivilegeEscalation"));
        Assert.NotEqual(0L, YamlTree.At(statefulSet, "spec", "template", "spec", "securityContext", "runAsUser"));
        var claims = YamlTree.List(statefulSet, "spec", "volumeClaimTemplates").Select(c => YamlTree.Text(c, "metadata", "name")).ToHashSet();
        foreach (var mount in YamlTree.List(container, "volumeMounts").Cast<Dictionary<string, object?>>())
        {
            string name = YamlTree.Text(mount, "name");
            if (mount.GetValueOrDefault("readOnly") is true) continue;
            bool writableVolume = claims.Contains(name) || Volume(name).ContainsKey("emptyDir");
            Assert.True(writableVolume, $"{name} is mounted writable but is neither a volume claim nor an emptyDir");
        }
    }

    [Fact]
    public void Resources_WorstCaseMemory_FitsUnderTheHeapLimitOfTheContainer()
    {
        // The sizing in the StatefulSet's comments, as arithmetic: pending tasks at about 0.5 KB each
        // (docs/operations.md), the reused task objects (115 MB at most), two copies of every request body in flight,
        // and about 150 MB for the rest must stay under the memory limit. Raising MaxPending or the request bounds
        // without the limit fails here.
        var container = KubernetesManifests.ExporterContainer();
        var environment = KubernetesManifests.Environment(container);
        double pending = long.Parse(environment["Cpst__Tasks__MaxPending"], CultureInfo.InvariantCulture) * 500.0;
        double bodies = 2.0 * long.Parse(environment["Cpst__Limits__MaxConcurrentExports"], CultureInfo.InvariantCulture)
            * long.Parse(environment["Cpst__Limits__MaxRequestBytes"], CultureInfo.InvariantCulture);
        double worst = pending + bodies + 115e6 + 150e6;
        double limit = Bytes(YamlTree.Text(container, "resources", "limits", "memory"));
        double request = Bytes(YamlTree.Text(container, "resources", "requests", "memory"));

        Assert.True(worst <= limit, $"at the worst {worst / 1e6:F0} MB, over the limit of {limit / 1e6:F0} MB: lower the bounds or raise the limit");
        Assert.True(request <= limit);
        Assert.True(Bytes(YamlTree.Text(container, "resources", "requests", "cpu")) <= Bytes(YamlTree.Text(container, "resources", "limits", "cpu")));
    }

    [Fact]
    public void StatefulSet_OfTheBase_HasOneReplica()
    {
        // More than one without the collector in front would split traces between replicas (docs/scaling.md).
        Assert.Equal(1L, YamlTree.At(KubernetesManifests.StatefulSet(), "spec", "replicas"));
    }

    [Fact]
    public void ServiceMonitor_ScrapesOpenMetricsFirst_AsTheJobTheRulesSelect()
    {
        var monitor = KubernetesManifests.Object(KubernetesManifests.Base("servicemonitor.yaml"), "ServiceMonitor");
        Assert.Equal("OpenMetricsText1.0.0", YamlTree.Text(monitor, "spec", "scrapeProtocols", 0));

        var selector = YamlTree.Map(monitor, "spec", "selector", "matchLabels");
        var scraped = KubernetesManifests.Objects(KubernetesManifests.Base("services.yaml"))
            .Where(s => KubernetesManifests.Selects(selector, YamlTree.Map(s, "metadata", "labels"))).ToList();
        var service = Assert.Single(scraped);

        // The job is the value of the jobLabel on the Service; the alerts select it by name.
        string job = YamlTree.Text(service, "metadata", "labels", YamlTree.Text(monitor, "spec", "jobLabel"));
        Assert.Equal("cpst-exporter", job);
        string rules = string.Join('\n', Directory.GetFiles(RepoFiles.Path("prometheus", "rules"), "*.yml").Select(File.ReadAllText));
        Assert.Contains($"job=\"{job}\"", rules);

        var endpoint = YamlTree.Map(monitor, "spec", "endpoints", 0);
        Assert.Equal("/metrics", endpoint["path"]);
        var port = YamlTree.List(service, "spec", "ports").Cast<Dictionary<string, object?>>().Single(p => Equals(p["name"], endpoint["port"]));
        Assert.Equal((long)Listener("Cpst:Listen:Metrics").Port, KubernetesManifests.ContainerPort(KubernetesManifests.ExporterContainer(), port["targetPort"]));
    }

    [Fact]
    public void OtlpService_PortsLeadToTheOtlpListeners()
    {
        var service = KubernetesManifests.Object(KubernetesManifests.Base("services.yaml"), "Service", "cpst-otlp");
        var container = KubernetesManifests.ExporterContainer();
        var ports = YamlTree.List(service, "spec", "ports").Cast<Dictionary<string, object?>>().ToDictionary(p => (string)p["name"]!);

        Assert.Equal((long)Listener("Cpst:Listen:OtlpGrpc").Port, ports["otlp-grpc"]["port"]);
        Assert.Equal(Listener("Cpst:Listen:OtlpGrpc").Port, KubernetesManifests.ContainerPort(container, ports["otlp-grpc"]["targetPort"]));
        Assert.Equal((long)Listener("Cpst:Listen:OtlpHttp").Port, ports["otlp-http"]["port"]);
        Assert.Equal(Listener("Cpst:Listen:OtlpHttp").Port, KubernetesManifests.ContainerPort(container, ports["otlp-http"]["targetPort"]));
        Assert.True(KubernetesManifests.Selects(YamlTree.Map(service, "spec", "selector"),
            YamlTree.Map(KubernetesManifests.StatefulSet(), "spec", "template", "metadata", "labels")));
    }

    /// <summary>The files the base's configMapGenerator puts into the ConfigMap cpst-exporter-config.</summary>
    private static IEnumerable<string> ConfigMapFiles()
    {
        var kustomization = YamlTree.Load(File.ReadAllText(KubernetesManifests.Base("kustomization.yaml")));
        var generator = YamlTree.List(kustomization, "configMapGenerator").Cast<Dictionary<string, object?>>().Single(g => (string?)g["name"] == "cpst-exporter-config");
        foreach (string entry in YamlTree.List(generator, "files").Cast<string>())
        {
            Assert.DoesNotContain('=', entry); // the key is the file's name
            yield return KubernetesManifests.Base(entry.Split('/'));
        }
    }

    private static (Dictionary<string, object?> Mount, Dictionary<string, object?> Volume) Mount(string name) =>
        (YamlTree.List(KubernetesManifests.ExporterContainer(), "volumeMounts").Cast<Dictionary<string, object?>>().Single(m => (string?)m["name"] == name), Volume(name));

    private static Dictionary<string, object?> Volume(string name) =>
        YamlTree.List(KubernetesManifests.StatefulSet(), "spec", "template", "spec", "volumes").Cast<Dictionary<string, object?>>().Single(v => (string?)v["name"] == name);

    /// <summary>A Kubernetes quantity (512Mi, 1Gi, 250m, 2) as a number.</summary>
    private static double Bytes(string quantity)
    {
        Match m = Quantity().Match(quantity);
        Assert.True(m.Success, $"'{quantity}' is not a quantity");
        double value = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
        return value * m.Groups["unit"].Value switch
        {
            "" => 1, "m" => 1e-3, "k" => 1e3, "M" => 1e6, "G" => 1e9, "Ki" => 1024, "Mi" => 1024 * 1024, "Gi" => 1024.0 * 1024 * 1024,
            _ => throw new InvalidOperationException(quantity),
        };
    }

    [GeneratedRegex(@"^(?<n>[0-9]+(\.[0-9]+)?)(?<unit>m|k|M|G|Ki|Mi|Gi)?$")]
    private static partial Regex Quantity();
}
