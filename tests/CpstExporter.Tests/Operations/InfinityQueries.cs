using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CpstExporter.Exposition;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// Every query the shipped dashboards send to the exporter's APIs (the task API, the billing API) through the Infinity
/// datasource <c>cpst-tasks</c> (panel targets and query variables), and how a request is made of one: Grafana replaces
/// the dashboard's variables, then Infinity evaluates its macros, puts the datasource URL in front of the query's path
/// and adds the parameters.
/// </summary>
internal static partial class InfinityQueries
{
    public const string DatasourceUid = "cpst-tasks";
    public const string PluginId = "yesoreyeram-infinity-datasource";

    public sealed record Column(string Selector, string Text, string Type);

    /// <param name="Variable">For a query variable, its name; null for a panel target.</param>
    public sealed record Query(
        string Where, string? Variable, string Type, string Source, string Parser, string Format, string Method, string Url,
        IReadOnlyList<KeyValuePair<string, string>> Params, string RootSelector, IReadOnlyList<Column> Columns)
    {
        public override string ToString() => Where;

        /// <summary>Whether it asks the task API (<c>/api/v1/tasks</c>, <c>/api/v1/use_cases</c>) rather than the billing API.</summary>
        public bool AsksTheTaskApi =>
            Url == TaskApiEndpoint.UseCasesPath || Url == TaskApiEndpoint.TasksPath || Url.StartsWith(TaskApiEndpoint.TasksPath + "/", StringComparison.Ordinal);

        /// <summary>The dashboard file it is in.</summary>
        public string Dashboard => Where[..Where.IndexOf(" › ", StringComparison.Ordinal)];

        /// <summary>The request Infinity sends for this query, with the variables Grafana would hand it.</summary>
        /// <param name="datasourceUrl">The datasource's URL (the exporter's metrics listener).</param>
        public Uri RequestUri(Uri datasourceUrl, IReadOnlyDictionary<string, string> variables)
        {
            string path = Interpolate(Url, variables);
            var query = new StringBuilder();
            foreach (var (key, value) in Params)
            {
                query.Append(query.Length == 0 ? '?' : '&')
                    .Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(Interpolate(value, variables)));
            }
            return new Uri(datasourceUrl.GetLeftPart(UriPartial.Authority) + path + query);
        }
    }

    /// <summary>A variable of a dashboard that offers "All", and the value Grafana hands a query for it.</summary>
    public sealed record AllOption(string Dashboard, string Name, string? AllValue);

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
                    string? uid = DatasourceOf(target) ?? DatasourceOf(panel);
                    if (uid != DatasourceUid) continue;
                    yield return Read($"{Path.GetFileName(file)} › {panel.GetProperty("title").GetString()} › {target.GetProperty("refId").GetString()}",
                        null, target);
                }
            }
        }
    }

    public static IEnumerable<Query> VariableQueries()
    {
        foreach (string file in Dashboards())
        {
            using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(file));
            foreach (JsonElement variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
            {
                if (variable.GetProperty("type").GetString() != "query" || DatasourceOf(variable) != DatasourceUid) continue;
                string name = variable.GetProperty("name").GetString()!;
                JsonElement query = variable.GetProperty("query");
                if (query.ValueKind != JsonValueKind.Object || query.GetProperty("queryType").GetString() != "infinity")
                    throw new InvalidOperationException($"{file}: variable {name} is not an Infinity query (queryType 'infinity' with an infinityQuery)");
                yield return Read($"{Path.GetFileName(file)} › ${name}", name, query.GetProperty("infinityQuery"));
            }
        }
    }

    /// <summary>
    /// Every variable with an "All" option that a query of the Infinity datasource uses. A variable that only Prometheus
    /// queries use (the finance dashboard's use case) keeps Grafana's regular expression for "All", <c>.*</c>.
    /// </summary>
    public static IEnumerable<AllOption> AllOptions()
    {
        var used = PanelTargets().Concat(VariableQueries())
            .SelectMany(q => q.Params.Select(p => p.Value).Append(q.Url)
                .SelectMany(text => GrafanaVariable().Matches(text))
                .Select(m => (q.Dashboard, Name: m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Value)))
            .ToHashSet();
        foreach (string file in Dashboards())
        {
            string text = File.ReadAllText(file);
            if (!text.Contains($"\"{DatasourceUid}\"", StringComparison.Ordinal)) continue;
            using JsonDocument dashboard = JsonDocument.Parse(text);
            foreach (JsonElement variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
            {
                if (!variable.TryGetProperty("includeAll", out JsonElement all) || !all.GetBoolean()) continue;
                if (!used.Contains((Path.GetFileName(file), variable.GetProperty("name").GetString()!))) continue;
                yield return new AllOption(Path.GetFileName(file), variable.GetProperty("name").GetString()!,
                    variable.TryGetProperty("allValue", out JsonElement value) ? value.GetString() : null);
            }
        }
    }

    /// <summary>
    /// Grafana's part: <c>${name}</c>, <c>${name:format}</c> and <c>$name</c> are replaced by the variable's value
    /// (<c>__from</c>/<c>__to</c> in epoch milliseconds; a single value is the same in every format used here).
    /// Then Infinity's part: <c>$__combineValues(prefix,suffix,separator,values…)</c>, which gives an empty string for
    /// a lone <c>*</c>, the custom "All" value. Any other macro, or a variable the caller did not give, is an error.
    /// </summary>
    public static string Interpolate(string text, IReadOnlyDictionary<string, string> variables)
    {
        string grafana = GrafanaVariable().Replace(text, m =>
        {
            string name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Value;
            if (name.StartsWith("__", StringComparison.Ordinal) && !variables.ContainsKey(name)) return m.Value; // Infinity's macros
            if (!variables.TryGetValue(name, out string? value))
                throw new InvalidOperationException($"'{text}' uses the variable '{name}', which the test does not give");
            string format = m.Groups["format"].Value;
            if (format is not ("" or "csv" or "raw" or "text" or "glob"))
                throw new InvalidOperationException($"'{text}' formats ${name} as '{format}', which the test does not reproduce");
            return value;
        });
        string infinity = CombineValues().Replace(grafana, m =>
        {
            string[] args = m.Groups["args"].Value.Split(',');
            if (args.Length < 4) throw new InvalidOperationException($"'{text}': $__combineValues needs a prefix, a suffix, a separator and values");
            if (args.Length == 4 && args[3] == "*") return "";
            string prefix = Unescape(args[0]), suffix = Unescape(args[1]), separator = Unescape(args[2]);
            return string.Join(separator, args.Skip(3).Select(v => prefix + v + suffix));
        });
        if (infinity.Contains("$__", StringComparison.Ordinal))
            throw new InvalidOperationException($"'{text}' uses an Infinity macro the test does not reproduce");
        return infinity.Trim(' ');
    }

    public static string EpochMilliseconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static string Unescape(string arg) =>
        arg.Replace("__comma", ",", StringComparison.Ordinal).Replace("__space", " ", StringComparison.Ordinal)
            .Replace("__open", "(", StringComparison.Ordinal).Replace("__close", ")", StringComparison.Ordinal);

    private static Query Read(string where, string? variable, JsonElement target)
    {
        string Text(JsonElement parent, string name) => parent.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "";

        JsonElement options = target.TryGetProperty("url_options", out JsonElement o) ? o : default;
        var parameters = new List<KeyValuePair<string, string>>();
        if (options.ValueKind == JsonValueKind.Object && options.TryGetProperty("params", out JsonElement list))
            foreach (JsonElement p in list.EnumerateArray()) parameters.Add(new(Text(p, "key"), Text(p, "value")));
        var columns = new List<Column>();
        if (target.TryGetProperty("columns", out JsonElement cols))
            foreach (JsonElement c in cols.EnumerateArray()) columns.Add(new Column(Text(c, "selector"), Text(c, "text"), Text(c, "type")));
        return new Query(where, variable, Text(target, "type"), Text(target, "source"), Text(target, "parser"), Text(target, "format"),
            options.ValueKind == JsonValueKind.Object ? Text(options, "method") : "", Text(target, "url"), parameters,
            Text(target, "root_selector"), columns);
    }

    private static string? DatasourceOf(JsonElement element) =>
        element.TryGetProperty("datasource", out JsonElement ds) && ds.ValueKind == JsonValueKind.Object && ds.TryGetProperty("uid", out JsonElement uid)
            ? uid.GetString()
            : null;

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

    [GeneratedRegex(@"\$\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)(?::(?<format>[A-Za-z]+))?\}|\$(?<plain>[A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex GrafanaVariable();

    /// <summary>As Infinity finds it: the shortest argument list up to the first closing parenthesis.</summary>
    [GeneratedRegex(@"\$__combineValues\b\((?<args>.*?)\)")]
    private static partial Regex CombineValues();
}
