using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// Infinity queries of the shipped dashboards sent to a running exporter as Grafana would send them (the provisioned
/// Authorization header, the variables replaced): the rows that come back, and whether every column the query
/// selects is a field of them, of the column's type.
/// </summary>
internal static partial class InfinityRequests
{
    /// <summary>
    /// The rows the query's columns are read from, after its root selector; null when there are none: a failure, or for
    /// an empty list under a root selector, an entry in <paramref name="emptyUnderRoot"/>.
    /// </summary>
    public static async Task<List<JsonElement>?> RowsAsync(HttpClient client, Uri datasourceUrl, InfinityQueries.Query query,
        IReadOnlyDictionary<string, string> variables, List<string> failures, List<string> emptyUnderRoot)
    {
        Uri uri;
        try
        {
            uri = query.RequestUri(datasourceUrl, variables);
        }
        catch (InvalidOperationException e)
        {
            failures.Add($"{query}: {e.Message}");
            return null;
        }
        using HttpResponseMessage response = await client.GetAsync(uri);
        string body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            failures.Add($"{query}: GET {uri.PathAndQuery} answered {(int)response.StatusCode}: {body}");
            return null;
        }
        JsonElement root = JsonDocument.Parse(body).RootElement;
        foreach (string step in query.RootSelector.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(step, out JsonElement inner))
            {
                failures.Add($"{query}: root selector '{query.RootSelector}' names no field of {body}");
                return null;
            }
            root = inner;
        }
        List<JsonElement> rows = root.ValueKind == JsonValueKind.Array ? [.. root.EnumerateArray()] : [root];
        if (rows.Count == 0)
        {
            (query.RootSelector.Length > 0 ? emptyUnderRoot : failures).Add($"{query}: GET {uri.PathAndQuery} gave no rows{(query.RootSelector.Length > 0 ? $" under '{query.RootSelector}'" : "")}, so its columns cannot be checked: {body}");
            return null;
        }
        foreach (InfinityQueries.Column column in query.Columns)
        {
            if (!PlainField().IsMatch(column.Selector))
            {
                failures.Add($"{query}: column selector '{column.Selector}' is not a field name of the API");
                continue;
            }
            foreach (JsonElement row in rows)
            {
                if (row.ValueKind != JsonValueKind.Object || !row.TryGetProperty(column.Selector, out JsonElement value))
                {
                    failures.Add($"{query}: column '{column.Text}' selects '{column.Selector}', which is not a field of {row}");
                    break;
                }
                // The billing API writes null where a figure is not known (a provider nothing was billed for): an empty cell.
                if (value.ValueKind == JsonValueKind.Null && !query.AsksTheTaskApi) continue;
                string? wrongType = column.Type switch
                {
                    "number" when value.ValueKind != JsonValueKind.Number => "a number",
                    "string" when value.ValueKind != JsonValueKind.String => "a string",
                    "timestamp" when value.ValueKind != JsonValueKind.String || !DateTimeOffset.TryParse(value.GetString(), out _) => "an RFC 3339 time",
                    "number" or "string" or "timestamp" => null,
                    _ => $"one of the column types number, string, timestamp (not '{column.Type}')",
                };
                if (wrongType is not null)
                {
                    failures.Add($"{query}: column '{column.Text}' ({column.Selector}) should be {wrongType}, the API gives {value}");
                    break;
                }
            }
        }
        return rows;
    }

    /// <summary>
    /// The header the provisioned datasource sends: <c>httpHeaderName1</c> and <c>httpHeaderValue1</c> of
    /// <c>cpst-tasks.yml</c>, with <c>${CPST_METRICS_TOKEN}</c> replaced as Grafana replaces environment variables.
    /// </summary>
    public static (string Name, string Value) ProvisionedHeader(string token)
    {
        YamlMappingNode datasource = GrafanaProvisioning.Datasource(InfinityQueries.DatasourceUid);
        var jsonData = (YamlMappingNode)datasource.Children[new YamlScalarNode("jsonData")];
        var secure = (YamlMappingNode)datasource.Children[new YamlScalarNode("secureJsonData")];
        string name = ((YamlScalarNode)jsonData.Children[new YamlScalarNode("httpHeaderName1")]).Value!;
        string value = ((YamlScalarNode)secure.Children[new YamlScalarNode("httpHeaderValue1")]).Value!;
        Assert.Contains("${CPST_METRICS_TOKEN}", value);
        return (name, value.Replace("${CPST_METRICS_TOKEN}", token, StringComparison.Ordinal));
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex PlainField();
}
