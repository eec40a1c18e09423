using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Sums driven to the largest values a series holds, over HTTP: with the plausibility limits raised to decimal's and
/// long's maximum, request after request of spans at those values is answered 200 and applied whole, the series stay
/// pinned at the maximum (the shared <c>__overflow__</c> series too, for every label set folded into it), the other
/// series keep their exact values, and the exposition still parses.
/// </summary>
public sealed class SaturationTests
{
    private const string MaxCost = "79228162514264337593543950335";
    private static readonly HttpClient Client = new();

    private static async Task ExportAsync(ExporterUnderTest exporter, byte[] request)
    {
        using var content = new ByteArrayContent(request);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync()); // no partial success: every span was taken
    }

    /// <summary>Task <paramref name="trace"/> of <paramref name="useCase"/>: a root and two gpt-4o calls of 1,000 input and 100 output tokens.</summary>
    private static byte[] QuietTask(string useCase, int trace) => Spans.Request(useCase,
        Spans.Root(trace, Spans.Attr("outcome", "success")),
        Spans.Llm(trace, 2, "gpt-4o", 1000, 100), Spans.Llm(trace, 3, "gpt-4o", 1000, 100)).ToByteArray();

    [Fact]
    public async Task Export_ManySpansAtTheLargestValues_EveryRequestAppliedWhole_SeriesPinned_OthersExact()
    {
        const int Requests = 20, TasksPerRequest = 10;
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:Limits:MaxCostUsdPerSpan"] = MaxCost,
            ["Cpst:Limits:MaxTokensPerSpan"] = long.MaxValue.ToString(CultureInfo.InvariantCulture),
            ["Cpst:Limits:MaxSeriesPerMetric"] = "4",
            ["Cpst:UseCases:coder:SupportingCosts:gpu"] = MaxCost,
            ["Cpst:UseCases:quiet:SupportingCosts:gpu"] = "730",
        });
        await ExportAsync(exporter, QuietTask("quiet", 1));

        int trace = 100;
        for (int r = 0; r < Requests; r++)
        {
            var spans = new List<global::CpstExporter.Receiving.Otlp.Span>();
            for (int t = 0; t < TasksPerRequest; t++)
            {
                trace++;
                // "coder" keeps a series of its own; agent-2 … agent-9 fold into __overflow__ past the limit of 4.
                string useCase = t == 0 ? "coder" : $"agent-{t}";
                spans.Add(Spans.Root(trace, Spans.Attr("outcome", "success"), Spans.Attr("cpst.use_case", useCase)));
                spans.Add(Spans.Llm(trace, 2, "gpt-4o", long.MaxValue, long.MaxValue, Spans.Attr("cpst.cost_usd", MaxCost)));
                spans.Add(Spans.Llm(trace, 3, "gpt-4o", long.MaxValue, long.MaxValue, Spans.Attr("cpst.cost_usd", MaxCost)));
                spans.Add(Spans.Tool(trace, 4, "search"));
            }
            await ExportAsync(exporter, Spans.Request("saturation", [.. spans]).ToByteArray());
            if (r % 5 == 4) exporter.Settle(); // tasks finish into series that are already pinned
        }
        await ExportAsync(exporter, QuietTask("quiet", 2));
        exporter.Settle();

        string metrics = await exporter.ScrapeAsync();

        const int Tasks = Requests * TasksPerRequest + 2;
        Assert.Equal(Tasks, MetricsText.Sum(metrics, "cpst_tasks_total"));
        Assert.Equal(2 * Tasks, MetricsText.Sum(metrics, "cpst_llm_calls_total"));
        Assert.Equal(Requests * TasksPerRequest, MetricsText.Sum(metrics, "cpst_tool_calls_total"));
        Assert.Equal(Requests * TasksPerRequest * 4 + 2 * 3, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"http_protobuf\"}"));
        Assert.Equal(0m, MetricsText.Sum(metrics, "cpst_rejected_spans_total"));

        const string Coder = "use_case=\"coder\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"";
        const string Overflow = "use_case=\"__overflow__\",outcome=\"success\",model=\"__overflow__\",environment=\"__overflow__\",variant=\"__overflow__\"";
        foreach (string labels in new[] { Coder, Overflow })
        {
            Assert.Equal(decimal.Parse(MaxCost, CultureInfo.InvariantCulture), MetricsText.Required(metrics, $"cpst_task_cost_usd_total{{{labels}}}"));
            Assert.Equal(long.MaxValue, MetricsText.Required(metrics, $"cpst_task_tokens_total{{{labels},token_type=\"input\"}}"));
        }
        Assert.Equal(Requests, MetricsText.Required(metrics, $"cpst_tasks_total{{{Coder}}}"));
        Assert.Equal(Requests * (TasksPerRequest - 3), MetricsText.Required(metrics, $"cpst_tasks_total{{{Overflow}}}"));
        Assert.Equal(decimal.Parse(MaxCost, CultureInfo.InvariantCulture),
            MetricsText.Required(metrics, "cpst_llm_cost_usd_total{use_case=\"__overflow__\",provider=\"__overflow__\",model=\"__overflow__\"}"));
        Assert.Equal(long.MaxValue,
            MetricsText.Required(metrics, "cpst_llm_tokens_total{use_case=\"coder\",provider=\"unknown\",model=\"gpt-4o\",token_type=\"output\"}"));
        Assert.Equal(decimal.Parse(MaxCost, CultureInfo.InvariantCulture), MetricsText.Required(metrics, "cpst_cost_per_task_usd_sum{use_case=\"coder\",outcome=\"success\"}"));
        Assert.Equal(Requests, MetricsText.Required(metrics, "cpst_cost_per_task_usd_count{use_case=\"coder\",outcome=\"success\"}"));

        // The use case that never came near a limit counts to the last digit: 2 tasks × 2 calls × (1,000 × $2.50 + 100 × $10) / 1M.
        const string Quiet = "use_case=\"quiet\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"";
        Assert.Equal(2m, MetricsText.Required(metrics, $"cpst_tasks_total{{{Quiet}}}"));
        Assert.Equal(0.014m, MetricsText.Required(metrics, $"cpst_task_cost_usd_total{{{Quiet}}}"));
        Assert.Equal(4000m, MetricsText.Required(metrics, $"cpst_task_tokens_total{{{Quiet},token_type=\"input\"}}"));
        Assert.Equal(0.014m, MetricsText.Required(metrics, "cpst_llm_cost_usd_total{use_case=\"quiet\",provider=\"unknown\",model=\"gpt-4o\"}"));
        // A supporting cost no budget has stops at its ceiling; the other item accrues as ever ($1 an hour, for 5 × 6 s).
        Assert.True(MetricsText.Required(metrics, "cpst_supporting_cost_usd_total{use_case=\"coder\",item=\"gpu\"}") > 1e15m);
        Assert.Equal(30m / 3600, MetricsText.Required(metrics, "cpst_supporting_cost_usd_total{use_case=\"quiet\",item=\"gpu\"}"), 20);

        string openMetrics = await exporter.ScrapeAsync("application/openmetrics-text; version=1.0.0");
        Assert.EndsWith("# EOF\n", openMetrics);
        Assert.Equal(decimal.Parse(MaxCost, CultureInfo.InvariantCulture), MetricsText.Required(openMetrics, $"cpst_task_cost_usd_total{{{Coder}}}"));
        if (Binaries.Find("promtool") is not null) Assert.Equal("", await Promtool.ProblemsAsync(metrics));
    }
}
