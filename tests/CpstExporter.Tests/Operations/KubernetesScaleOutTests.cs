namespace CpstExporter.Tests.Operations;

/// <summary>
/// The scale-out overlay keeps every trace on one exporter replica: agents reach only the collector, which routes by
/// trace ID over the replicas' stable names.
/// </summary>
public sealed class KubernetesScaleOutTests
{
    private static Dictionary<string, object?> CollectorConfig() =>
        (Dictionary<string, object?>)YamlTree.Load(File.ReadAllText(KubernetesManifests.ScaleOut("otel-collector-config.yaml")))!;

    private static Dictionary<string, object?> Collector() =>
        KubernetesManifests.Object(KubernetesManifests.ScaleOut("otel-collector.yaml"), "Deployment", "otel-collector");

    [Fact]
    public void Collector_RoutesByTraceId_OverTheReplicasOfTheHeadlessService()
    {
        var config = CollectorConfig();
        var loadbalancing = YamlTree.Map(config, "exporters", "loadbalancing");
        Assert.Equal("traceID", loadbalancing["routing_key"]);

        // The k8s resolver over the StatefulSet's governing Service, keyed by the replicas' stable names.
        var resolver = YamlTree.Map(loadbalancing, "resolver", "k8s");
        var statefulSet = KubernetesManifests.StatefulSet();
        string service = YamlTree.Text(statefulSet, "spec", "serviceName");
        Assert.Equal(service, YamlTree.Text(resolver, "service").Split('.')[0]);
        Assert.Equal(true, resolver["return_hostnames"]);
        long grpcPort = KubernetesManifests.ContainerPort(KubernetesManifests.ExporterContainer(), "otlp-grpc");
        Assert.Equal(new object?[] { grpcPort }, YamlTree.List(resolver, "ports"));

        var headless = KubernetesManifests.Object(KubernetesManifests.Base("services.yaml"), "Service", service);
        Assert.Equal("None", YamlTree.Text(headless, "spec", "clusterIP"));
        // A restarting replica stays in the ring instead of handing its traces to the others.
        Assert.Equal(true, YamlTree.At(headless, "spec", "publishNotReadyAddresses"));
        Assert.True(KubernetesManifests.Selects(YamlTree.Map(headless, "spec", "selector"), YamlTree.Map(statefulSet, "spec", "template", "metadata", "labels")));
    }

    [Fact]
    public void Collector_Pipeline_SendsEverySpanToTheLoadBalancer_WithoutSampling()
    {
        var config = CollectorConfig();
        var traces = YamlTree.Map(config, "service", "pipelines", "traces");
        Assert.Equal(new object?[] { "loadbalancing" }, YamlTree.List(traces, "exporters"));
        // A sampled trace is a task and its cost missing from CPST (docs/scaling.md).
        Assert.DoesNotContain(YamlTree.List(traces, "processors").Cast<string>(), p => p.Contains("sampl", StringComparison.Ordinal));
        // Spans for a replica that restarts wait for it (retried, queued) rather than being dropped.
        Assert.Equal(true, YamlTree.At(config, "exporters", "loadbalancing", "protocol", "otlp", "retry_on_failure", "enabled"));
        Assert.Equal(true, YamlTree.At(config, "exporters", "loadbalancing", "protocol", "otlp", "sending_queue", "enabled"));
    }

    [Fact]
    public void OtlpService_InTheOverlay_LeadsToTheCollectorOnly()
    {
        var kustomization = YamlTree.Load(File.ReadAllText(KubernetesManifests.ScaleOut("kustomization.yaml")));
        var patch = YamlTree.List(kustomization, "patches").Cast<Dictionary<string, object?>>()
            .Single(p => YamlTree.Text(p, "target", "name") == "cpst-otlp" && YamlTree.Text(p, "target", "kind") == "Service");
        var operations = YamlTree.List(YamlTree.Load(File.ReadAllText(KubernetesManifests.ScaleOut(YamlTree.Text(patch, "path")))));
        var selector = operations.Cast<Dictionary<string, object?>>().Single(o => (string?)o["path"] == "/spec/selector");
        Assert.Equal("replace", selector["op"]);

        var collector = Collector();
        var exporterPods = YamlTree.Map(KubernetesManifests.StatefulSet(), "spec", "template", "metadata", "labels");
        Assert.True(KubernetesManifests.Selects(YamlTree.Map(selector, "value"), YamlTree.Map(collector, "spec", "template", "metadata", "labels")));
        Assert.False(KubernetesManifests.Selects(YamlTree.Map(selector, "value"), exporterPods), "cpst-otlp would still send to the replicas round robin");

        // The Service's ports (4317, 4318 by name) exist on the collector and are its OTLP receivers' ports.
        var container = YamlTree.Map(collector, "spec", "template", "spec", "containers", 0);
        var receivers = YamlTree.Map(CollectorConfig(), "receivers", "otlp", "protocols");
        Assert.Equal(long.Parse(YamlTree.Text(receivers, "grpc", "endpoint").Split(':')[1]), KubernetesManifests.ContainerPort(container, "otlp-grpc"));
        Assert.Equal(long.Parse(YamlTree.Text(receivers, "http", "endpoint").Split(':')[1]), KubernetesManifests.ContainerPort(container, "otlp-http"));
    }

    [Fact]
    public void Overlay_RunsSeveralReplicas_AndTheCollectorMayWatchEndpoints()
    {
        var kustomization = YamlTree.Load(File.ReadAllText(KubernetesManifests.ScaleOut("kustomization.yaml")));
        var replicas = YamlTree.List(kustomization, "replicas").Cast<Dictionary<string, object?>>().Single(r => (string?)r["name"] == "cpst-exporter");
        Assert.True((long)replicas["count"]! > 1);

        var role = KubernetesManifests.Object(KubernetesManifests.ScaleOut("otel-collector.yaml"), "Role");
        var rules = YamlTree.List(role, "rules").Cast<Dictionary<string, object?>>().ToList();
        foreach (var (group, resource) in new[] { ("", "endpoints"), ("discovery.k8s.io", "endpointslices") })
        {
            var rule = rules.Single(r => YamlTree.List(r, "resources").Contains(resource));
            Assert.Contains(group, YamlTree.List(rule, "apiGroups"));
            Assert.Contains("list", YamlTree.List(rule, "verbs"));
            Assert.Contains("watch", YamlTree.List(rule, "verbs"));
        }
        Assert.Equal("otel-collector", YamlTree.Text(Collector(), "spec", "template", "spec", "serviceAccountName"));
    }
}
