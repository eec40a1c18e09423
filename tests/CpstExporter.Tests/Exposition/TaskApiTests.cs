using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CpstExporter.Aggregation;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace CpstExporter.Tests.Exposition;

/// <summary>
/// The task API's contract (docs/reference.md) against a real exporter: the rows' fields and their values to the last
/// digit, every filter, both sorts, the limit, bad parameters, the metrics tokens, and the store's bound.
/// </summary>
public sealed class TaskApiTests
{
    private static readonly HttpClient Client = new();

    // Every span of Spans.Make starts at 1.7e18 ns + its id and ends one second later.
    private const long SpanEpochMs = 1_700_000_000_000;

    private static async Task SendAsync(ExporterUnderTest exporter, string service, params Span[] spans)
    {
        using var content = new ByteArrayContent(Spans.Request(service, spans).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(ExporterUnderTest exporter, string pathAndQuery, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(exporter.MetricsAddress, pathAndQuery));
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using HttpResponseMessage response = await Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest or HttpStatusCode.NotFound)
            Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return (response.StatusCode, text.Length > 0 && text[0] is '[' or '{' ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    private static string[] TraceIds(JsonElement rows) => rows.EnumerateArray().Select(r => r.GetProperty("trace_id").GetString()!).ToArray();

    /// <summary>
    /// Tasks 1–5 of two use cases; task n's cost grows with n, and it ends n µs after the others' epoch (its LLM span's
    /// id is 1000·n). Task 3 fails, task 5 has no outcome yet.
    /// </summary>
    private static async Task<ExporterUnderTest> StartWithTasksAsync(Dictionary<string, string?>? settings = null)
    {
        var exporter = await ExporterUnderTest.StartAsync(settings);
        for (int t = 1; t <= 5; t++)
        {
            string outcome = t == 3 ? "failure" : "success";
            Span root = t == 5 ? Spans.Root(t) : Spans.Root(t, Spans.Attr("outcome", outcome));
            await SendAsync(exporter, t % 2 == 0 ? "support" : "coder", Spans.Llm(t, 1000 * t, "gpt-4o", 1000 * t, 100), root);
        }
        exporter.Settle();
        return exporter;
    }

    [Fact]
    public async Task Task_OneTraceId_RowWithItsBreakdownToTheLastDigit()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        await SendAsync(exporter, "coder",
            Spans.Llm(7, 2, "gpt-4o", 1000, 200),
            Spans.Llm(7, 3, "gpt-4o-mini", 2000, 100, Spans.Attr("gen_ai.usage.cache_read.input_tokens", 1000L)),
            Spans.Tool(7, 4, "web_search"),
            Spans.Tool(7, 5, "web_search"),
            Spans.Tool(7, 6, "file_search"),
            Spans.Root(7, Spans.Attr("outcome", "success")));
        exporter.Settle();

        var (status, task) = await GetAsync(exporter, $"/api/v1/tasks/{Spans.TraceHex(7)}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Spans.TraceHex(7), task.GetProperty("trace_id").GetString());
        Assert.Equal("coder", task.GetProperty("use_case").GetString());
        Assert.Equal("success", task.GetProperty("outcome").GetString());
        Assert.Equal("span", task.GetProperty("outcome_source").GetString());
        Assert.Equal("gpt-4o", task.GetProperty("model").GetString());
        Assert.Equal("none", task.GetProperty("environment").GetString());
        Assert.Equal("none", task.GetProperty("variant").GetString());
        // The root starts at +1 ns, the last tool ends at 1 s + 6 ns: times are kept to 100 ns.
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(SpanEpochMs), task.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(SpanEpochMs + 1000), task.GetProperty("end").GetDateTimeOffset());
        Assert.Equal(1000, task.GetProperty("duration_ms").GetDouble());
        // gpt-4o: 1000 × $2.50 + 200 × $10; gpt-4o-mini: 1000 × $0.15 + 1000 cached × $0.075 + 100 × $0.60 (per 1M);
        // tools: 2 × web_search $0.01 + file_search $0.0025.
        Assert.Equal(0.0045m + 0.000285m + 0.0225m, task.GetProperty("cost_usd").GetDecimal());
        Assert.Equal(0.004785m, task.GetProperty("inference_cost_usd").GetDecimal());
        Assert.Equal(0.0225m, task.GetProperty("tool_cost_usd").GetDecimal());
        Assert.Equal(2, task.GetProperty("llm_calls").GetInt32());
        Assert.Equal(3, task.GetProperty("tool_calls").GetInt32());
        Assert.Equal(3000, task.GetProperty("input_tokens").GetInt64());
        Assert.Equal(300, task.GetProperty("output_tokens").GetInt64());
        Assert.Equal(1000, task.GetProperty("cache_read_tokens").GetInt64());
        Assert.Equal(0, task.GetProperty("cache_write_tokens").GetInt64());
        Assert.Equal(0, task.GetProperty("reasoning_tokens").GetInt64());
        var calls = task.GetProperty("calls").EnumerateArray()
            .Select(c => (c.GetProperty("kind").GetString(), c.GetProperty("name").GetString(), c.GetProperty("calls").GetInt32(),
                c.GetProperty("input_tokens").GetInt64(), c.GetProperty("output_tokens").GetInt64(), c.GetProperty("cost_usd").GetDecimal()))
            .ToArray();
        Assert.Equal([
            ("llm", "gpt-4o", 1, 1000L, 200L, 0.0045m),
            ("llm", "gpt-4o-mini", 1, 2000L, 100L, 0.000285m),
            ("tool", "web_search", 2, 0L, 0L, 0.02m),
            ("tool", "file_search", 1, 0L, 0L, 0.0025m),
        ], calls);
    }

    [Fact]
    public async Task Task_ModelRows_SayHowTheCallsWerePriced()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        await SendAsync(exporter, "coder",
            Spans.Llm(8, 2, "gpt-5", 10_000, 2_000, Spans.Attr("openai.response.service_tier", "priority")),
            Spans.Llm(8, 3, "gpt-5", 10_000, 2_000, Spans.Attr("openai.response.service_tier", "flex")),
            Spans.Llm(8, 4, "gpt-5", 10_000, 2_000, Spans.Attr("cpst.cost_usd", 0.05)),
            Spans.Llm(8, 5, "claude-sonnet-4-5", 250_000, 1_000),
            Spans.Root(8, Spans.Attr("outcome", "success")));
        exporter.Settle();

        var (status, task) = await GetAsync(exporter, $"/api/v1/tasks/{Spans.TraceHex(8)}");

        Assert.Equal(HttpStatusCode.OK, status);
        var rows = task.GetProperty("calls").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        // gpt-5: priority 10,000 × $2.50 + 2,000 × $20 = $0.065; flex 10,000 × $0.625 + 2,000 × $5 = $0.01625; explicit $0.05.
        Assert.Equal(0.13125m, rows["gpt-5"].GetProperty("cost_usd").GetDecimal());
        Assert.Equal("""{"table":2,"explicit":1}""", rows["gpt-5"].GetProperty("basis").GetRawText());
        Assert.Equal("""{"standard":1,"flex":1,"priority":1}""", rows["gpt-5"].GetProperty("service_tier").GetRawText());
        // claude-sonnet-4-5 above 200,000 prompt tokens, the whole call: 250,000 × $6 + 1,000 × $22.50 = $1.5225.
        Assert.Equal(1.5225m, rows["claude-sonnet-4-5"].GetProperty("cost_usd").GetDecimal());
        Assert.Equal("""{"table_long_context":1}""", rows["claude-sonnet-4-5"].GetProperty("basis").GetRawText());
        Assert.Equal("""{"standard":1}""", rows["claude-sonnet-4-5"].GetProperty("service_tier").GetRawText());
        Assert.Equal(1.65375m, task.GetProperty("cost_usd").GetDecimal());
    }

    [Fact]
    public async Task Tasks_Default_NewestFirstWithEveryRowField()
    {
        await using var exporter = await StartWithTasksAsync();

        var (status, rows) = await GetAsync(exporter, "/api/v1/tasks");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(4, rows.GetArrayLength()); // task 5 waits for its outcome
        string[] fields = ["trace_id", "use_case", "outcome", "outcome_source", "model", "environment", "variant", "start", "end",
            "duration_ms", "cost_usd", "inference_cost_usd", "tool_cost_usd", "llm_calls", "tool_calls", "input_tokens",
            "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens"];
        Assert.All(rows.EnumerateArray(), row => Assert.Equal(fields, row.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(new[] { 4, 3, 2, 1 }.Select(Spans.TraceHex), TraceIds(rows));
    }

    [Fact]
    public async Task Tasks_Filters_SelectExactlyTheirTasks()
    {
        await using var exporter = await StartWithTasksAsync();
        exporter.Settle(900); // task 5 finishes as unknown, from the window

        Assert.Equal(new[] { 3, 1 }.Select(Spans.TraceHex).Append(Spans.TraceHex(5)).Order(), TraceIds((await GetAsync(exporter, "/api/v1/tasks?use_case=coder")).Body).Order());
        Assert.Equal([Spans.TraceHex(3)], TraceIds((await GetAsync(exporter, "/api/v1/tasks?outcome=failure")).Body));
        var (_, unknown) = await GetAsync(exporter, "/api/v1/tasks?outcome=unknown");
        Assert.Equal("window", Assert.Single(unknown.EnumerateArray()).GetProperty("outcome_source").GetString());
        Assert.Equal(5, (await GetAsync(exporter, "/api/v1/tasks?model=gpt-4o&environment=none&variant=none")).Body.GetArrayLength());
        Assert.Equal(0, (await GetAsync(exporter, "/api/v1/tasks?model=claude-sonnet-4-5")).Body.GetArrayLength());
        // 1000·n × $2.50/1M + 100 × $10/1M = $0.0025·n + $0.001: tasks 4 and 5 are $0.011 and more.
        Assert.Equal(new[] { 5, 4 }.Select(Spans.TraceHex), TraceIds((await GetAsync(exporter, "/api/v1/tasks?min_cost_usd=0.011&sort=cost")).Body));
        Assert.Equal(5, (await GetAsync(exporter, $"/api/v1/tasks?from={SpanEpochMs}&to={SpanEpochMs + 2000}")).Body.GetArrayLength());
        Assert.Equal(0, (await GetAsync(exporter, $"/api/v1/tasks?from={SpanEpochMs + 2000}")).Body.GetArrayLength());
        Assert.Equal(0, (await GetAsync(exporter, "/api/v1/tasks?to=2023-11-14T22:13:20Z")).Body.GetArrayLength()); // = SpanEpochMs, before every end
        Assert.Equal(5, (await GetAsync(exporter, "/api/v1/tasks?use_case=*&outcome=&model=*")).Body.GetArrayLength()); // Grafana's All
    }

    [Fact]
    public async Task Tasks_SortByCostAndLimit_MostExpensiveFirstCut()
    {
        await using var exporter = await StartWithTasksAsync();

        var (_, rows) = await GetAsync(exporter, "/api/v1/tasks?sort=cost&limit=2");

        Assert.Equal(new[] { 4, 3 }.Select(Spans.TraceHex), TraceIds(rows));
        Assert.Equal([0.011m, 0.0085m], rows.EnumerateArray().Select(r => r.GetProperty("cost_usd").GetDecimal()));
    }

    [Fact]
    public async Task Tasks_OutcomeFromTheOutcomeApi_SourceIsApi()
    {
        await using var exporter = await StartWithTasksAsync();
        using var outcome = new StringContent($$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(5)}}","outcome":"failure"}]}""", Encoding.UTF8, "application/json");
        using HttpResponseMessage posted = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/outcomes"), outcome);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        exporter.Settle();

        var (_, task) = await GetAsync(exporter, $"/api/v1/tasks/{Spans.TraceHex(5)}");

        Assert.Equal("failure", task.GetProperty("outcome").GetString());
        Assert.Equal("api", task.GetProperty("outcome_source").GetString());
    }

    public static TheoryData<string, string> BadQueries => new()
    {
        { "/api/v1/tasks?usecase=coder", "unknown parameter 'usecase'" },
        { "/api/v1/tasks?use_case=a&use_case=b", "given 2 times" },
        { "/api/v1/tasks?limit=0", "limit=0" },
        { "/api/v1/tasks?limit=1001", "from 1 to 1000" },
        { "/api/v1/tasks?sort=price", "sort=price" },
        { "/api/v1/tasks?outcome=maybe", "success, failure or unknown" },
        { "/api/v1/tasks?from=yesterday", "epoch milliseconds" },
        { "/api/v1/tasks?to=2026-13-01T00:00:00Z", "RFC 3339" },
        { "/api/v1/tasks?min_cost_usd=-1", "non-negative number" },
        { "/api/v1/tasks/not-a-trace-id", "32 hex digits" },
        { $"/api/v1/tasks/{new string('0', 32)}", "32 hex digits" },
        { "/api/v1/use_cases?all=1", "takes no parameters" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Tasks_BadParameter_400WithAMessageSayingWhat(string pathAndQuery, string expected)
    {
        await using var exporter = await ExporterUnderTest.StartAsync();

        var (status, body) = await GetAsync(exporter, pathAndQuery);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Task_UnknownTraceId_404()
    {
        await using var exporter = await StartWithTasksAsync();

        var (status, body) = await GetAsync(exporter, $"/api/v1/tasks/{Spans.TraceHex(5)}"); // still pending

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("no recently finished task", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task UseCases_ListsTheUseCasesWithTasks()
    {
        await using var exporter = await StartWithTasksAsync();

        var (_, useCases) = await GetAsync(exporter, "/api/v1/use_cases");

        Assert.Equal(["coder", "support"], useCases.EnumerateArray().Select(u => u.GetString()));
    }

    [Fact]
    public async Task Api_MetricsTokensSet_RefusesWithoutOneAndAnswersWithIt()
    {
        await using var exporter = await StartWithTasksAsync(new Dictionary<string, string?> { ["Cpst:Auth:MetricsTokens:0"] = "grafana-secret" });

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(exporter, "/api/v1/tasks")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(exporter, "/api/v1/use_cases", bearer: "wrong")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(exporter, "/api/v1/tasks", bearer: "grafana-secret")).Status);
        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(exporter.MetricsAddress, "/api/v1/tasks"));
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "grafana-secret");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await Client.SendAsync(post)).StatusCode);
    }

    [Fact]
    public async Task Store_ManyTasks_KeepsItsCapacityAndAnswersAtMostTheLimit()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Tasks:RecentTasks"] = "500" });
        for (int batch = 0; batch < 10; batch++)
            await SendAsync(exporter, "coder", Enumerable.Range(1000 + batch * 300, 300).Select(t => Spans.Root(t, Spans.Attr("outcome", "success"))).ToArray());
        exporter.Settle();

        Assert.Equal(500, exporter.Services.GetRequiredService<RecentTasks>().Count);
        Assert.Equal(500, (await GetAsync(exporter, "/api/v1/tasks?limit=1000")).Body.GetArrayLength());
        Assert.Equal(100, (await GetAsync(exporter, "/api/v1/tasks")).Body.GetArrayLength());
    }
}
