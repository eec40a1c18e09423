using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using CpstExporter.Tests.Support;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// A use case whose outcome policy is configured through settings (docs/operations.md, "How success is decided"): spans
/// over OTLP/HTTP, verdicts with sources posted to <c>/v1/outcomes</c>, and what <c>/metrics</c> and the task API say.
/// </summary>
public sealed class OutcomePolicyEndToEndTests
{
    private static readonly HttpClient Client = new();

    private const string UseCase = "reviewer";

    /// <summary>A human reviewer's verdict beats what the agent said; another source's verdict does not count.</summary>
    private static readonly Dictionary<string, string?> Authority = new()
    {
        [$"Cpst:UseCases:{UseCase}:Outcome:Signals:0"] = "api:human",
        [$"Cpst:UseCases:{UseCase}:Outcome:Signals:1"] = "span",
        [$"Cpst:UseCases:{UseCase}:Outcome:Combine"] = "authority",
    };

    private static async Task<HttpResponseMessage> PostAsync(ExporterUnderTest exporter, string path, byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await Client.PostAsync(new Uri(exporter.HttpAddress, path), content);
    }

    private static async Task SendRootAsync(ExporterUnderTest exporter, int trace, string? outcome)
    {
        var root = outcome is null ? Spans.Root(trace) : Spans.Root(trace, Spans.Attr("outcome", outcome));
        using HttpResponseMessage response = await PostAsync(exporter, "/v1/traces", Spans.Request(UseCase, root).ToByteArray(), "application/x-protobuf");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<string> PostOutcomesAsync(ExporterUnderTest exporter, params (int Trace, string Outcome, string? Source, string? Reason)[] entries)
    {
        string json = JsonSerializer.Serialize(new
        {
            outcomes = entries.Select(e => new Dictionary<string, string?>
            {
                ["trace_id"] = Spans.TraceHex(e.Trace), ["outcome"] = e.Outcome, ["source"] = e.Source, ["reason"] = e.Reason,
            }),
        });
        using HttpResponseMessage response = await PostAsync(exporter, "/v1/outcomes", Encoding.UTF8.GetBytes(json), "application/json");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return body;
    }

    private static async Task<JsonElement> TaskAsync(ExporterUnderTest exporter, int trace)
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri(exporter.MetricsAddress, $"/api/v1/tasks/{Spans.TraceHex(trace)}"));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static Dictionary<string, decimal> Series(string exposition, string metric) =>
        MetricsText.Samples(exposition, metric).ToDictionary(s => s.Labels, s => s.Value);

    [Fact]
    public async Task Authority_HumanVerdictDecides_OtherSourcesDoNot_CountedBySource()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(Authority);
        // 1: the agent says success, the reviewer says failure. 2: the agent says success, a system check says failure.
        // 3: nothing listed arrives (the system's verdict is not listed). 4: the reviewer's verdict comes before the
        // trace and beats the agent's failure. 5: only the agent says, failure.
        await PostOutcomesAsync(exporter, (4, "success", "human", "checked by hand"));
        await SendRootAsync(exporter, 1, "success");
        await SendRootAsync(exporter, 2, "success");
        await SendRootAsync(exporter, 3, null);
        await SendRootAsync(exporter, 4, "failure");
        await SendRootAsync(exporter, 5, "failure");
        string answer = await PostOutcomesAsync(exporter,
            (1, "failure", "Human", "wrong refund amount"),
            (2, "failure", "system", null),
            (3, "success", "system", null));
        Assert.Equal("{\"applied\":3,\"unknown\":0,\"late\":0,\"dropped\":0}", answer);

        exporter.Settle();
        // Task 3 waits for a listed signal until the outcome window ends.
        Assert.Equal(1, exporter.Tasks.PendingCount);
        exporter.Settle(900);
        Assert.Equal(0, exporter.Tasks.PendingCount);

        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(new Dictionary<string, decimal>
        {
            [$"use_case=\"{UseCase}\",source=\"api\",outcome=\"failure\""] = 1,
            [$"use_case=\"{UseCase}\",source=\"api\",outcome=\"success\""] = 1,
            [$"use_case=\"{UseCase}\",source=\"span\",outcome=\"success\""] = 1,
            [$"use_case=\"{UseCase}\",source=\"span\",outcome=\"failure\""] = 1,
            [$"use_case=\"{UseCase}\",source=\"window\",outcome=\"unknown\""] = 1,
        }, Series(metrics, "cpst_outcomes_by_source_total"));
        const string rest = "model=\"none\",environment=\"none\",variant=\"none\"";
        Assert.Equal(new Dictionary<string, decimal>
        {
            [$"use_case=\"{UseCase}\",outcome=\"success\",{rest}"] = 2,
            [$"use_case=\"{UseCase}\",outcome=\"failure\",{rest}"] = 2,
            [$"use_case=\"{UseCase}\",outcome=\"unknown\",{rest}"] = 1,
        }, Series(metrics, "cpst_tasks_total"));

        JsonElement reviewed = await TaskAsync(exporter, 1);
        Assert.Equal(("failure", "api"), (reviewed.GetProperty("outcome").GetString(), reviewed.GetProperty("outcome_source").GetString()));
        JsonElement verdict = reviewed.GetProperty("api_outcome");
        Assert.Equal(("failure", "human", "wrong refund amount"),
            (verdict.GetProperty("outcome").GetString(), verdict.GetProperty("source").GetString(), verdict.GetProperty("reason").GetString()));

        JsonElement overruled = await TaskAsync(exporter, 2);
        Assert.Equal(("success", "span"), (overruled.GetProperty("outcome").GetString(), overruled.GetProperty("outcome_source").GetString()));
        Assert.Equal("system", overruled.GetProperty("api_outcome").GetProperty("source").GetString());
        Assert.False(overruled.GetProperty("api_outcome").TryGetProperty("reason", out _));

        JsonElement waited = await TaskAsync(exporter, 3);
        Assert.Equal(("unknown", "window"), (waited.GetProperty("outcome").GetString(), waited.GetProperty("outcome_source").GetString()));

        JsonElement held = await TaskAsync(exporter, 4);
        Assert.Equal(("success", "api"), (held.GetProperty("outcome").GetString(), held.GetProperty("outcome_source").GetString()));
        Assert.Equal("checked by hand", held.GetProperty("api_outcome").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Outcomes_BadSource_Answers400NamingTheEntry_AndAppliesNothing()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(Authority);
        await SendRootAsync(exporter, 1, "success");
        string json = $$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(1)}}","outcome":"failure","source":"human"},{"trace_id":"{{Spans.TraceHex(1)}}","outcome":"failure","source":"human review"}]}""";

        using HttpResponseMessage response = await PostAsync(exporter, "/v1/outcomes", Encoding.UTF8.GetBytes(json), "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("outcomes[1].source", await response.Content.ReadAsStringAsync());
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(1m, MetricsText.Value(metrics, $"cpst_outcomes_by_source_total{{use_case=\"{UseCase}\",source=\"span\",outcome=\"success\"}}"));
        Assert.Equal(1m, MetricsText.Value(metrics, "cpst_rejected_requests_total{reason=\"malformed\"}"));
    }
}
