using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// Every PromQL query the shipped Grafana files hold (dashboard panel targets, template variables, Grafana-managed alert
/// rules), with Grafana's variables replaced the way Grafana would for "All" selected over the last hour.
/// </summary>
internal static partial class GrafanaQueries
{
    public sealed record Query(string Where, string PromQl)
    {
        public override string ToString() => Where;
    }

    /// <summary>A <c>label_values(match, label)</c> variable, which Grafana runs as the label values API.</summary>
    public sealed record LabelValues(string Where, string Label, string Match);

    public static IEnumerable<Query> PanelTargets()
    {
        foreach (string file in Dashboards())
        {
            using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(file));
            foreach (JsonElement panel in Panels(dashboard.RootElement.GetProperty("panels")))
            {
                if (!panel.TryGetProperty("targets", out JsonElement targets)) continue;
                foreach (JsonElement target in targets.EnumerateArray())
                {
                    if (!target.TryGetProperty("expr", out JsonElement expr)) continue;
                    yield return new Query($"{Path.GetFileName(file)} › {panel.GetProperty("title").GetString()} › {target.GetProperty("refId").GetString()}",
                        Substitute(expr.GetString()!));
                }
            }
        }
    }

    /// <summary>The targets of the panels under one row of one dashboard, in the order the dashboard lists them.</summary>
    public static IEnumerable<Query> RowTargets(string dashboardFile, string row)
    {
        using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(RepoFiles.Path("dashboards", dashboardFile)));
        string? current = null;
        var queries = new List<Query>();
        foreach (JsonElement panel in Panels(dashboard.RootElement.GetProperty("panels")))
        {
            if (panel.GetProperty("type").GetString() == "row")
            {
                current = panel.GetProperty("title").GetString();
                continue;
            }
            if (current != row || !panel.TryGetProperty("targets", out JsonElement targets)) continue;
            foreach (JsonElement target in targets.EnumerateArray())
                if (target.TryGetProperty("expr", out JsonElement expr))
                    queries.Add(new Query($"{dashboardFile} › {panel.GetProperty("title").GetString()} › {target.GetProperty("refId").GetString()}",
                        Substitute(expr.GetString()!)));
        }
        return queries;
    }

    public static IEnumerable<LabelValues> Variables()
    {
        foreach (string file in Dashboards())
        {
            using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(file));
            foreach (JsonElement variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
            {
                // Query variables of other datasources (the task API's) are checked by TaskDashboardTests.
                if (variable.GetProperty("type").GetString() != "query"
                    || variable.GetProperty("datasource").GetProperty("uid").GetString() != "prometheus") continue;
                JsonElement query = variable.GetProperty("query");
                string text = query.ValueKind == JsonValueKind.Object ? query.GetProperty("query").GetString()! : query.GetString()!;
                Match call = LabelValuesCall().Match(text);
                if (!call.Success) throw new InvalidOperationException($"{file}: variable {variable.GetProperty("name")} is not label_values(…): {text}");
                yield return new LabelValues($"{Path.GetFileName(file)} › ${variable.GetProperty("name").GetString()}",
                    call.Groups["label"].Value, Substitute(call.Groups["match"].Value));
            }
        }
    }

    public static IEnumerable<Query> AlertRuleQueries()
    {
        foreach (string file in Directory.GetFiles(RepoFiles.Path("grafana", "provisioning", "alerting"), "*.yml").Order())
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(file)) yaml.Load(reader);
            foreach (var (where, expr) in Exprs(yaml.Documents[0].RootNode, Path.GetFileName(file)))
                yield return new Query(where, Substitute(expr));
        }
    }

    /// <summary>Grafana's interval variables as for a one-hour range; every other variable as "All" (<c>.*</c>).</summary>
    public static string Substitute(string expr) =>
        OtherVariable().Replace(
            expr.Replace("$__rate_interval", "5m").Replace("$__range", "1h").Replace("$__interval", "1m"),
            ".*");

    private static IEnumerable<string> Dashboards() => Directory.GetFiles(RepoFiles.Path("dashboards"), "*.json").Order();

    private static IEnumerable<JsonElement> Panels(JsonElement panels)
    {
        foreach (JsonElement panel in panels.EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out JsonElement nested))
                foreach (JsonElement inner in Panels(nested)) yield return inner;
        }
    }

    private static IEnumerable<(string Where, string Expr)> Exprs(YamlNode node, string where)
    {
        switch (node)
        {
            case YamlMappingNode map:
                string here = map.Children.TryGetValue(new YamlScalarNode("title"), out YamlNode? title) ? $"{where} › {title}" : where;
                foreach (var (key, value) in map.Children)
                {
                    if (key is YamlScalarNode { Value: "expr" } && value is YamlScalarNode { Value: { } expr }) yield return (here, expr);
                    else foreach (var inner in Exprs(value, here)) yield return inner;
                }
                break;
            case YamlSequenceNode list:
                foreach (YamlNode item in list)
                    foreach (var inner in Exprs(item, where)) yield return inner;
                break;
        }
    }

    [GeneratedRegex(@"^\s*label_values\((?<match>.+),\s*(?<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$")]
    private static partial Regex LabelValuesCall();

    [GeneratedRegex(@"\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?")]
    private static partial Regex OtherVariable();
}
