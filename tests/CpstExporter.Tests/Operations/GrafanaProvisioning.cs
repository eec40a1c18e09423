using YamlDotNet.RepresentationModel;

namespace CpstExporter.Tests.Operations;

/// <summary>The shipped Grafana provisioning files (<c>grafana/provisioning/</c>), as Grafana reads them.</summary>
internal static class GrafanaProvisioning
{
    public static IEnumerable<string> Files(string kind) =>
        Directory.GetFiles(RepoFiles.Path("grafana", "provisioning", kind)).Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal)).Order();

    public static YamlMappingNode Load(string file)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(file)) yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    /// <summary>Every provisioned datasource, with the file it is in.</summary>
    public static IEnumerable<(string File, YamlMappingNode Datasource)> Datasources()
    {
        foreach (string file in Files("datasources"))
        {
            YamlMappingNode root = Load(file);
            if (!root.Children.TryGetValue(new YamlScalarNode("datasources"), out YamlNode? list)) continue;
            foreach (YamlNode item in (YamlSequenceNode)list) yield return (Path.GetFileName(file), (YamlMappingNode)item);
        }
    }

    /// <summary>The PromQL of a provisioned alert rule's queries by refId, its server-side expressions left out.</summary>
    public static Dictionary<string, string> AlertRuleData(string title)
    {
        foreach (string file in Files("alerting"))
        {
            YamlMappingNode root = Load(file);
            if (!root.Children.TryGetValue(new YamlScalarNode("groups"), out YamlNode? groups)) continue;
            foreach (YamlMappingNode group in ((YamlSequenceNode)groups).Cast<YamlMappingNode>())
            foreach (YamlMappingNode rule in ((YamlSequenceNode)group.Children[new YamlScalarNode("rules")]).Cast<YamlMappingNode>())
            {
                if (Scalar(rule, "title") != title) continue;
                var queries = new Dictionary<string, string>();
                foreach (YamlMappingNode data in ((YamlSequenceNode)rule.Children[new YamlScalarNode("data")]).Cast<YamlMappingNode>())
                {
                    var model = (YamlMappingNode)data.Children[new YamlScalarNode("model")];
                    if (Scalar(model, "expr") is string expr) queries[Scalar(data, "refId")!] = expr;
                }
                return queries;
            }
        }
        throw new InvalidOperationException($"no alert rule titled {title} in grafana/provisioning/alerting");
    }

    public static YamlMappingNode Datasource(string uid) =>
        Datasources().Select(d => d.Datasource).SingleOrDefault(d => Scalar(d, "uid") == uid)
        ?? throw new InvalidOperationException($"no datasource with uid {uid} in grafana/provisioning/datasources");

    public static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? node) ? (node as YamlScalarNode)?.Value : null;

    /// <summary>
    /// Where the Prometheus datasource's exemplar links open a trace: its <c>exemplarTraceIdDestinations</c> URL before
    /// the trace id (<c>$${__value.raw}</c>, the doubled dollar keeping Grafana from reading it as an environment variable).
    /// </summary>
    public static string ExemplarTraceUrlPrefix()
    {
        var jsonData = (YamlMappingNode)Datasource("prometheus").Children[new YamlScalarNode("jsonData")];
        var destinations = (YamlSequenceNode)jsonData.Children[new YamlScalarNode("exemplarTraceIdDestinations")];
        string url = Scalar((YamlMappingNode)destinations[0], "url") ?? throw new InvalidOperationException("the exemplar destination has no url");
        const string TraceId = "$${__value.raw}";
        if (!url.EndsWith(TraceId, StringComparison.Ordinal)) throw new InvalidOperationException($"exemplar url {url} does not end with {TraceId}");
        return url[..^TraceId.Length];
    }
}
