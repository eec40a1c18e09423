using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CpstExporter.Aggregation;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// The task dashboard's queries against the real task API: every Infinity target and query variable of the shipped
/// dashboards that asks the task API is sent, as Grafana and Infinity would send it, to an exporter that finished a few
/// tasks, and every column it selects must be a field of the rows that come back. A misspelt field would otherwise show
/// as an empty column, which no other check notices. The finance dashboard's billing API queries are checked by
/// <see cref="FinanceDashboardTests"/> and <see cref="EndToEnd.BillingSourcesEndToEndTests"/>.
/// </summary>
public sealed class TaskDashboardTests
{
    private const string MetricsToken = "task-dashboard-test-token-0123456789";

    private static readonly DateTimeOffset Start = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    // Three tasks of the support bot (one per outcome) and one of the coding agent; the failed support bot task is the
    // most expensive one that did not succeed.
    private static readonly string Succeeded = Spans.TraceHex(101);
    private static readonly string Failed = Spans.TraceHex(102);
    private static readonly string Unknown = Spans.TraceHex(103);
    private static readonly string OtherUseCase = Spans.TraceHex(104);

    private static Dictionary<string, string> OneTaskSelected() => new()
    {
        ["use_case"] = "support-bot",
        ["outcome"] = "failure",
        ["model"] = "gpt-4o",
        ["environment"] = "production",
        ["variant"] = "v2",
    };

    [Fact]
    public async Task EveryInfinityQuery_WithAllSelected_AsksForFieldsTheTaskApiAnswers()
    {
        var all = InfinityQueries.AllOptions().ToDictionary(o => o.Name, o => o.AllValue ?? "");
        _ = await AssertEveryQueryAsync(all, expectedFirstTrace: Failed, new Dictionary<string, string[]>
        {
            ["Most expensive tasks that did not succeed"] = [Failed, Unknown, OtherUseCase],
            ["Recent tasks"] = [Succeeded, Failed, Unknown, OtherUseCase],
            ["Task"] = [Failed],
        });
    }

    [Fact]
    public async Task EveryInfinityQuery_WithOneTaskSelected_AsksForFieldsTheTaskApiAnswers()
    {
        _ = await AssertEveryQueryAsync(OneTaskSelected(), expectedFirstTrace: Failed, new Dictionary<string, string[]>
        {
            ["Most expensive tasks that did not succeed"] = [Failed, Unknown],
            ["Recent tasks"] = [Failed],
            ["Task"] = [Failed],
        });
    }

    [Fact]
    public async Task BreakdownQuery_CallsOfATaskWithCalls_HaveTheFieldsItsColumnsSelect()
    {
        // The task shown has two LLM calls: the "calls" rows under the breakdown must list them, or "Calls by model
        // and tool" is an empty table and its columns go unchecked.
        List<string> empty = await AssertEveryQueryAsync(OneTaskSelected(), expectedFirstTrace: Failed, []);
        Assert.True(empty.Count == 0, string.Join("\n", empty));
    }

    /// <summary>
    /// Sends every query with the given variables and the provisioned Authorization header to an exporter that requires
    /// the metrics token. The variables the test leaves open (the trace id) take the first value of their own query,
    /// as Grafana picks it. <paramref name="expectedTraces"/>: the trace ids a panel must list, by panel title.
    /// </summary>
    /// <returns>The queries whose root selector found an empty list, so that their columns went unchecked.</returns>
    private static async Task<List<string>> AssertEveryQueryAsync(Dictionary<string, string> variables, string expectedFirstTrace,
        Dictionary<string, string[]> expectedTraces)
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:Auth:MetricsTokens:0"] = MetricsToken,
        }, new FakeTimeProvider(Start));
        await SendTasksAsync(exporter);
        variables["__from"] = InfinityQueries.EpochMilliseconds(Start - TimeSpan.FromHours(1));
        variables["__to"] = InfinityQueries.EpochMilliseconds(exporter.Clock.GetUtcNow() + TimeSpan.FromHours(1));

        using var client = new HttpClient();
        var (headerName, headerValue) = InfinityRequests.ProvisionedHeader(MetricsToken);
        client.DefaultRequestHeaders.TryAddWithoutValidation(headerName, headerValue);

        var failures = new List<string>();
        var emptyUnderRoot = new List<string>();
        var variableQueries = InfinityQueries.VariableQueries().Where(q => q.AsksTheTaskApi).ToList();
        Assert.Contains(variableQueries, q => q.Variable == "use_case");
        Assert.Contains(variableQueries, q => q.Variable == "trace_id");
        foreach (InfinityQueries.Query query in variableQueries)
        {
            List<JsonElement>? rows = await InfinityRequests.RowsAsync(client, exporter.MetricsAddress, query, variables, failures, emptyUnderRoot);
            if (rows is null) continue;
            if (query.Variable == "use_case")
                Assert.Equal(["coding-agent", "support-bot"], rows.Select(r => r.GetString()!).Order());
            if (!variables.ContainsKey(query.Variable!))
            {
                // Grafana shows the first option; the variable's first column gives text and value.
                string first = query.Columns.Count == 0 ? rows[0].GetString()! : rows[0].GetProperty(query.Columns[0].Selector).GetString()!;
                variables[query.Variable!] = first;
                if (query.Variable == "trace_id") Assert.Equal(expectedFirstTrace, first);
            }
        }

        var targets = InfinityQueries.PanelTargets().Where(q => q.AsksTheTaskApi).ToList();
        Assert.True(targets.Count >= 6, $"only {targets.Count} task API targets found");
        var listed = new Dictionary<string, HashSet<string>>();
        foreach (InfinityQueries.Query target in targets)
        {
            List<JsonElement>? rows = await InfinityRequests.RowsAsync(client, exporter.MetricsAddress, target, variables, failures, emptyUnderRoot);
            string panel = target.Where.Split(" › ")[1];
            foreach (JsonElement row in rows ?? [])
                if (row.ValueKind == JsonValueKind.Object && row.TryGetProperty("trace_id", out JsonElement traceId))
                    (listed.TryGetValue(panel, out var traces) ? traces : listed[panel] = []).Add(traceId.GetString()!);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // "All" filters nothing and a chosen value filters: each panel lists exactly the tasks it should.
        foreach (var (panel, traces) in expectedTraces)
            Assert.True(listed.TryGetValue(panel, out var got) && got.SetEquals(traces),
                $"{panel}: listed {string.Join(", ", got ?? [])}, expected {string.Join(", ", traces)}");
        return emptyUnderRoot;
    }

    [Fact]
    public async Task ProvisionedHeader_WithoutAToken_IsIgnoredByAnExporterWithoutMetricsTokens()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        using var client = new HttpClient();
        var (name, value) = InfinityRequests.ProvisionedHeader("");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(exporter.MetricsAddress, "/api/v1/use_cases"));
        request.Headers.TryAddWithoutValidation(name, value);

        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TaskApi_WithoutTheToken_IsRefusedWhenMetricsTokensAreSet()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:Auth:MetricsTokens:0"] = MetricsToken,
        });
        using var client = new HttpClient();

        using HttpResponseMessage response = await client.GetAsync(new Uri(exporter.MetricsAddress, "/api/v1/use_cases"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public void InfinityQueries_AreJsonFromTheTaskApiParsedInGrafanasBackend()
    {
        var queries = InfinityQueries.PanelTargets().Concat(InfinityQueries.VariableQueries()).ToList();
        Assert.NotEmpty(queries);
        Assert.All(queries, q =>
        {
            // The backend parser runs inside Grafana's server, so shared dashboards and alert rules work too; its
            // column selectors and root selector are paths into the JSON (GJSON), which plain field names are.
            Assert.True(q.Type == "json" && q.Source == "url" && q.Parser == "backend" && q.Format == "table" && q.Method == "GET",
                $"{q}: type {q.Type}, source {q.Source}, parser {q.Parser}, format {q.Format}, method {q.Method}");
            // A path, not a URL: Infinity puts the datasource URL in front, so one datasource per exporter instance
            // serves the same dashboard.
            Assert.True(q.Url.StartsWith("/api/v1/", StringComparison.Ordinal), $"{q}: url {q.Url} is not a path of the task API");
        });
    }

    [Fact]
    public void FilterVariables_WithAll_SendAnEmptyValue()
    {
        // Grafana ignores an empty custom all value and sends every option instead, which the task API would read as one
        // use case named "{a,b}". So "All" is '*' and the query passes it through $__combineValues, which turns a lone
        // '*' into an empty value: no filter.
        var options = InfinityQueries.AllOptions().ToList();
        Assert.NotEmpty(options);
        Assert.All(options, o => Assert.True(o.AllValue == "*", $"{o.Dashboard} › ${o.Name}: custom all value '{o.AllValue}', should be '*'"));
        var allNames = options.Select(o => o.Name).ToHashSet();
        foreach (InfinityQueries.Query query in InfinityQueries.PanelTargets().Concat(InfinityQueries.VariableQueries()))
        {
            foreach (var (key, value) in query.Params)
            {
                foreach (string name in allNames.Where(n => value.Contains("$" + n, StringComparison.Ordinal) || value.Contains("${" + n, StringComparison.Ordinal)))
                    Assert.True(value == $"$__combineValues(,,__comma,${{{name}:csv}})", $"{query}: parameter {key}={value} should be $__combineValues(,,__comma,${{{name}:csv}})");
            }
        }
        Assert.Equal("", InfinityQueries.Interpolate("$__combineValues(,,__comma,${use_case:csv})", new Dictionary<string, string> { ["use_case"] = "*" }));
        Assert.Equal("support-bot", InfinityQueries.Interpolate("$__combineValues(,,__comma,${use_case:csv})", new Dictionary<string, string> { ["use_case"] = "support-bot" }));
    }

    [Fact]
    public void EveryTaskRow_LinksToItsTraceAndItsBreakdown()
    {
        using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(RepoFiles.Path("dashboards", "cpst-tasks.json")));
        string tracingUrl = dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray()
            .Single(v => v.GetProperty("name").GetString() == "tracing_url").GetProperty("query").GetString()!;
        Assert.Equal(GrafanaProvisioning.ExemplarTraceUrlPrefix(), tracingUrl);

        var tables = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.GetProperty("type").GetString() == "table"
                && p.GetProperty("targets").EnumerateArray().Any(t => t.GetProperty("columns").EnumerateArray().Any(c => c.GetProperty("selector").GetString() == "trace_id")))
            .ToList();
        Assert.True(tables.Count >= 3, $"only {tables.Count} tables list tasks");
        foreach (JsonElement table in tables)
        {
            string title = table.GetProperty("title").GetString()!;
            string traceColumn = table.GetProperty("targets")[0].GetProperty("columns").EnumerateArray()
                .Single(c => c.GetProperty("selector").GetString() == "trace_id").GetProperty("text").GetString()!;
            JsonElement links = table.GetProperty("fieldConfig").GetProperty("overrides").EnumerateArray()
                .Where(o => o.GetProperty("matcher").GetProperty("options").GetString() == traceColumn)
                .SelectMany(o => o.GetProperty("properties").EnumerateArray())
                .SingleOrDefault(p => p.GetProperty("id").GetString() == "links");
            Assert.True(links.ValueKind == JsonValueKind.Object, $"{title}: the '{traceColumn}' column has no links");
            string[] urls = [.. links.GetProperty("value").EnumerateArray().Select(l => l.GetProperty("url").GetString()!)];
            Assert.Contains("${tracing_url:raw}${__value.raw}", urls);
            Assert.Contains(urls, u => u.StartsWith("/d/cpst-tasks/", StringComparison.Ordinal) && u.Contains("var-trace_id=${__value.raw}", StringComparison.Ordinal)
                && u.Contains("${__url_time_range}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void OverviewUseCasePanels_LinkToTheTasksOfTheirUseCase()
    {
        using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(RepoFiles.Path("dashboards", "cpst-overview.json")));
        var byUseCase = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out JsonElement targets)
                && targets.EnumerateArray().All(t => t.TryGetProperty("legendFormat", out JsonElement legend) && legend.GetString()!.Contains("{{use_case}}", StringComparison.Ordinal)))
            .ToList();
        Assert.True(byUseCase.Count >= 15, $"only {byUseCase.Count} panels have a series per use case");
        foreach (JsonElement panel in byUseCase)
        {
            string title = panel.GetProperty("title").GetString()!;
            Assert.True(panel.GetProperty("fieldConfig").GetProperty("defaults").TryGetProperty("links", out JsonElement links), $"{title}: no links");
            Assert.Contains(links.EnumerateArray(), l => l.GetProperty("url").GetString() is { } url
                && url.StartsWith("/d/cpst-tasks/cpst-tasks?var-use_case=${__field.labels.use_case}", StringComparison.Ordinal)
                && url.EndsWith("&${__url_time_range}", StringComparison.Ordinal));
        }
    }

    /// <summary>Four tasks over OTLP/HTTP protobuf, finished: three by their outcome and settle time, one by the outcome window.</summary>
    private static async Task SendTasksAsync(ExporterUnderTest exporter)
    {
        KeyValue[] production = [Spans.Attr("service.name", "support-bot"), Spans.Attr("deployment.environment.name", "production")];
        KeyValue[] staging = [Spans.Attr("service.name", "coding-agent"), Spans.Attr("deployment.environment.name", "staging")];
        await PostAsync(exporter, Spans.Request(production,
            At(Spans.Root(101, Spans.Attr("cpst.variant", "v2"), Spans.Attr("outcome", "success")), 0, 4),
            At(Spans.Llm(101, 2, "gpt-4o", 1000, 200, Spans.Attr("gen_ai.provider.name", "openai")), 0, 2),
            At(Spans.Tool(101, 3, "web_search"), 2, 3)));
        await PostAsync(exporter, Spans.Request(production,
            At(Spans.Root(102, Spans.Attr("cpst.variant", "v2"), Spans.Attr("outcome", "gave up")), 0, 9),
            At(Spans.Llm(102, 2, "gpt-4o", 4000, 800, Spans.Attr("gen_ai.provider.name", "openai")), 0, 4),
            At(Spans.Llm(102, 3, "gpt-4o", 6000, 900, Spans.Attr("gen_ai.provider.name", "openai")), 4, 8)));
        await PostAsync(exporter, Spans.Request(production,
            At(Spans.Root(103, Spans.Attr("cpst.variant", "v2")), 0, 3),
            At(Spans.Llm(103, 2, "gpt-4o", 500, 100, Spans.Attr("gen_ai.provider.name", "openai")), 0, 2)));
        await PostAsync(exporter, Spans.Request(staging,
            At(Spans.Root(104, Spans.Attr("outcome", "failure")), 0, 2),
            At(Spans.Llm(104, 2, "gpt-4o-mini", 2000, 500, Spans.Attr("gen_ai.provider.name", "openai")), 0, 1)));

        exporter.Settle();
        exporter.Settle(900); // the task without an outcome finishes as unknown when its outcome window ends
        RecentTasks store = exporter.Services.GetRequiredService<RecentTasks>();
        await Poll.UntilAsync(() => store.Count == 4, "the four tasks in the task API's store");
    }

    /// <summary>Span times seconds after the test's start, as an agent running now would stamp them.</summary>
    private static Span At(Span span, int startSecond, int endSecond)
    {
        ulong start = (ulong)Start.ToUnixTimeMilliseconds() * 1_000_000;
        span.StartTimeUnixNano = start + (ulong)startSecond * 1_000_000_000;
        span.EndTimeUnixNano = start + (ulong)endSecond * 1_000_000_000;
        return span;
    }

    private static async Task PostAsync(ExporterUnderTest exporter, ExportTraceServiceRequest request)
    {
        using var client = new HttpClient();
        using var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A field name as the task API writes them; Infinity reads it as a GJSON path to that field.</summary>
}
