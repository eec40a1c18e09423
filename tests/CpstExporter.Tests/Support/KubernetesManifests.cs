using Xunit.Sdk;

namespace CpstExporter.Tests.Support;

/// <summary>
/// The Kubernetes manifests under <c>deploy/kubernetes</c>, read as YAML, and the Node.js tools under
/// <c>deploy/tools</c> that generate and validate them.
/// </summary>
internal static class KubernetesManifests
{
    public static string Base(params string[] parts) => RepoFiles.Path(["deploy", "kubernetes", "base", .. parts]);

    public static string ScaleOut(params string[] parts) => RepoFiles.Path(["deploy", "kubernetes", "overlays", "scale-out", .. parts]);

    public static string ToolsDirectory => RepoFiles.Path("deploy", "tools");

    /// <summary>The one object of <paramref name="kind"/> (and <paramref name="name"/>) in a manifest file.</summary>
    public static Dictionary<string, object?> Object(string file, string kind, string? name = null)
    {
        var found = Objects(file).Where(o => (string?)o["kind"] == kind && (name is null || YamlTree.Text(o, "metadata", "name") == name)).ToList();
        return found.Count == 1 ? found[0] : throw new XunitException($"{file}: {found.Count} objects of kind {kind}{(name is null ? "" : $" named {name}")}, expected one");
    }

    public static List<Dictionary<string, object?>> Objects(string file) =>
        YamlTree.LoadAllFile(file).Cast<Dictionary<string, object?>>().ToList();

    public static Dictionary<string, object?> StatefulSet() => Object(Base("statefulset.yaml"), "StatefulSet", "cpst-exporter");

    public static Dictionary<string, object?> ExporterContainer() =>
        YamlTree.List(StatefulSet(), "spec", "template", "spec", "containers").Cast<Dictionary<string, object?>>().Single(c => (string?)c["name"] == "exporter");

    /// <summary>The container's environment as name → value (values given literally).</summary>
    public static Dictionary<string, string> Environment(Dictionary<string, object?> container) =>
        YamlTree.List(container, "env").Cast<Dictionary<string, object?>>().ToDictionary(e => (string)e["name"]!, e => YamlTree.Text(e, "value"));

    /// <summary>The number of a container port given by name or number.</summary>
    public static long ContainerPort(Dictionary<string, object?> container, object? port)
    {
        if (port is long number) return number;
        var ports = YamlTree.List(container, "ports").Cast<Dictionary<string, object?>>();
        return ports.SingleOrDefault(p => (string?)p["name"] == (string?)port) is { } named
            ? (long)named["containerPort"]!
            : throw new XunitException($"the container has no port named {port}");
    }

    /// <summary>Labels of <paramref name="labels"/> include every pair of <paramref name="selector"/>.</summary>
    public static bool Selects(Dictionary<string, object?> selector, Dictionary<string, object?>? labels) =>
        selector.Count > 0 && labels is not null && selector.All(s => labels.TryGetValue(s.Key, out object? v) && Equals(v, s.Value));

    /// <summary>Why the tools cannot run here (no node, packages not installed), or null when they can.</summary>
    public static string? ToolsMissing()
    {
        if (Binaries.Find("node") is null) return "'node' is not installed; CI installs it (see .ci/run) and runs this test";
        if (!Directory.Exists(Path.Combine(ToolsDirectory, "node_modules")))
            return "deploy/tools/node_modules is missing: run 'npm ci' there; CI does (see .ci/run) and runs this test";
        return null;
    }

    /// <summary>Runs <c>node <paramref name="script"/></c> with the working directory <paramref name="directory"/>; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToolAsync(string script, string arguments = "", string? directory = null)
    {
        if (ToolsMissing() is { } reason) throw new XunitException(reason);
        return await Processes.RunAsync(Binaries.Find("node")!, $"{script} {arguments}", timeout: TimeSpan.FromMinutes(3), workingDirectory: directory ?? ToolsDirectory);
    }
}
