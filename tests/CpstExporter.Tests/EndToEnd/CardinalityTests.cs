using System.Net.Http.Headers;
using CpstExporter.Tests.Support;
using Google.Protobuf;
using Xunit;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Past <c>Cpst:Limits:MaxSeriesPerMetric</c> new label sets fold into the <c>__overflow__</c> series (keeping
/// <c>outcome</c>), so however many distinct values arrive the totals and CPST stay exact.
/// </summary>
public sealed class CardinalityTests
{
    [Fact]
    public async Task ManyUseCases_PastTheLimit_TotalsAndCpstStayExact()
    {
        const int Limit = 5, UseCases = 60;
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Limits:MaxSeriesPerMetric"] = "5" });
        using var client = new HttpClient();
        decimal expectedCost = 0, expectedSuccessCost = 0;
        int successes = 0;
        for (int i = 1; i <= UseCases; i++)
        {
            bool success = i % 3 != 0;
            long input = 1000 * i;
            // gpt-4o: $2.50 per 1M input tokens; each use case and model is a new label value.
            var request = Spans.Request($"agent-{i}", Spans.Root(i, Spans.Attr("outcome", success ? "success" : "failure")),
                Spans.Llm(i, 2, "gpt-4o", input, 0, Spans.Attr("gen_ai.response.model", $"gpt-4o-{i:D4}-01-01")));
            var content = new ByteArrayContent(request.ToByteArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            (await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content)).EnsureSuccessStatusCode();
            decimal cost = input * 2.50m / 1_000_000;
            expectedCost += cost;
            if (success) { successes++; expectedSuccessCost += cost; }
        }
        exporter.Settle();

        string metrics = await exporter.ScrapeAsync();

        Assert.Equal(UseCases, MetricsText.Sum(metrics, "cpst_tasks_total"));
        Assert.Equal(expectedCost, MetricsText.Sum(metrics, "cpst_task_cost_usd_total"));
        Assert.Equal(expectedCost, MetricsText.Sum(metrics, "cpst_llm_cost_usd_total"));
        Assert.Equal(UseCases, MetricsText.Sum(metrics, "cpst_llm_calls_total"));
        // CPST over everything: cost of all tasks / successful tasks, the same with or without folding.
        decimal successCount = MetricsText.Samples(metrics, "cpst_tasks_total").Where(s => s.Labels.Contains("outcome=\"success\"", StringComparison.Ordinal)).Sum(s => s.Value);
        Assert.Equal(successes, successCount);
        Assert.Equal(expectedSuccessCost, MetricsText.Samples(metrics, "cpst_task_cost_usd_total")
            .Where(s => s.Labels.Contains("outcome=\"success\"", StringComparison.Ordinal)).Sum(s => s.Value));

        // Bounded: the limit's label sets plus the overflow series, one per outcome.
        Assert.True(MetricsText.Samples(metrics, "cpst_tasks_total").Count() <= Limit + 2);
        Assert.True(MetricsText.Samples(metrics, "cpst_llm_calls_total").Count() <= Limit + 1);
        Assert.NotNull(MetricsText.Value(metrics,
            "cpst_tasks_total{use_case=\"__overflow__\",outcome=\"success\",model=\"__overflow__\",environment=\"__overflow__\",variant=\"__overflow__\"}"));
        Assert.True(MetricsText.Required(metrics, "cpst_series_overflow_total{metric=\"cpst_tasks_total\"}") > 0);
    }
}
