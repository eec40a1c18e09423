using System.Net.Http.Headers;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Past <c>Cpst:Limits:MaxSeriesPerMetric</c> new label sets fold into the <c>__overflow__</c> series (keeping
/// <c>outcome</c>), and past its share of them a use case's new label sets fold into its own overflow series (keeping
/// <c>use_case</c> too), so however many distinct values arrive the totals and CPST stay exact, per use case as well.
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
    private static async Task ExportAsync(HttpClient client, ExporterUnderTest exporter, params global::CpstExporter.Receiving.Otlp.Span[] spans)
    {
        var content = new ByteArrayContent(Spans.Request("agents", spans).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        response.EnsureSuccessStatusCode();
    }

    private static global::CpstExporter.Receiving.Otlp.Span[] Trace(int trace, string useCase, string outcome, string model, string variant, decimal cost) =>
    [
        Spans.Root(trace, Spans.Attr("cpst.use_case", useCase), Spans.Attr("outcome", outcome), Spans.Attr("cpst.variant", variant)),
        Spans.Llm(trace, 2, model, 1000, 100, Spans.Attr("cpst.cost_usd", cost.ToString(System.Globalization.CultureInfo.InvariantCulture))),
    ];

    private static decimal SumOf(string metrics, string metric, string useCase) => MetricsText.Samples(metrics, metric)
        .Where(s => s.Labels.StartsWith($"use_case=\"{useCase}\",", StringComparison.Ordinal)).Sum(s => s.Value);

    [Fact]
    public async Task NoisyUseCase_ThousandsOfModelsAndVariants_ANewUseCaseStillGetsItsOwnSeries_AndTotalsStayExact()
    {
        const int Noisy = 3000, PerRequest = 150, Share = 2000 / 4;
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(); // the default limit: 2,000 label sets
        using var client = new HttpClient();
        decimal noisyCost = 0, noisySuccessCost = 0;
        int noisySuccesses = 0;
        for (int first = 0; first < Noisy; first += PerRequest)
        {
            var spans = new List<global::CpstExporter.Receiving.Otlp.Span>();
            for (int i = first; i < first + PerRequest; i++)
            {
                // A fine-tuned model and a prompt hash per task: every task is a new label set.
                decimal cost = 0.000123m * i + 0.0000001m;
                bool success = i % 4 != 0;
                spans.AddRange(Trace(i + 1, "noisy", success ? "success" : "failure", $"ft:gpt-4o:acme:{i:D5}", $"prompt-{i:x8}", cost));
                noisyCost += cost;
                if (success) { noisySuccesses++; noisySuccessCost += cost; }
            }
            await ExportAsync(client, exporter, [.. spans]);
        }
        // A use case that starts after the noisy one filled its share.
        await ExportAsync(client, exporter, [.. Trace(10_001, "billing", "success", "gpt-4o", "a", 0.0042m),
            .. Trace(10_002, "billing", "success", "gpt-4o", "a", 0.0017m), .. Trace(10_003, "billing", "failure", "gpt-4o-mini", "b", 0.25m)]);
        exporter.Settle();

        string metrics = await exporter.ScrapeAsync();

        // The new use case has its own series, with its exact values.
        const string BillingA = "use_case=\"billing\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"a\"";
        Assert.Equal(2m, MetricsText.Required(metrics, $"cpst_tasks_total{{{BillingA}}}"));
        Assert.Equal(0.0059m, MetricsText.Required(metrics, $"cpst_task_cost_usd_total{{{BillingA}}}"));
        Assert.Equal(0.25m, MetricsText.Required(metrics,
            "cpst_task_cost_usd_total{use_case=\"billing\",outcome=\"failure\",model=\"gpt-4o-mini\",environment=\"none\",variant=\"b\"}"));
        Assert.Equal(2m, MetricsText.Required(metrics, "cpst_llm_calls_total{use_case=\"billing\",provider=\"unknown\",model=\"gpt-4o\"}"));
        Assert.Equal(0.25m, MetricsText.Required(metrics, "cpst_llm_cost_usd_total{use_case=\"billing\",provider=\"unknown\",model=\"gpt-4o-mini\"}"));

        // The noisy use case holds its share and folds the rest into its own overflow series, whose totals stay exact.
        Assert.Equal(Share + 2, MetricsText.Samples(metrics, "cpst_tasks_total").Count(s => s.Labels.StartsWith("use_case=\"noisy\",", StringComparison.Ordinal)));
        Assert.Equal(Share + 1, MetricsText.Samples(metrics, "cpst_llm_calls_total").Count(s => s.Labels.StartsWith("use_case=\"noisy\",", StringComparison.Ordinal)));
        Assert.Equal(Noisy - Share, MetricsText.Required(metrics, "cpst_llm_calls_total{use_case=\"noisy\",provider=\"__overflow__\",model=\"__overflow__\"}"));
        Assert.Equal(Noisy, SumOf(metrics, "cpst_tasks_total", "noisy"));
        Assert.Equal(noisyCost, SumOf(metrics, "cpst_task_cost_usd_total", "noisy"));
        Assert.Equal(noisyCost, SumOf(metrics, "cpst_llm_cost_usd_total", "noisy"));
        Assert.Equal(Noisy * 1100m, SumOf(metrics, "cpst_llm_tokens_total", "noisy")); // 1,000 input and 100 output tokens a call
        // Its CPST is exact: the cost and count of its successful tasks, over every series of the use case.
        var noisySuccess = MetricsText.Samples(metrics, "cpst_task_cost_usd_total")
            .Where(s => s.Labels.StartsWith("use_case=\"noisy\",outcome=\"success\"", StringComparison.Ordinal)).Sum(s => s.Value);
        Assert.Equal(noisySuccessCost, noisySuccess);
        Assert.Equal(noisySuccesses, MetricsText.Samples(metrics, "cpst_tasks_total")
            .Where(s => s.Labels.StartsWith("use_case=\"noisy\",outcome=\"success\"", StringComparison.Ordinal)).Sum(s => s.Value));

        // Totals over every series are what was sent; nothing reached the shared overflow series.
        Assert.Equal(noisyCost + 0.2559m, MetricsText.Sum(metrics, "cpst_task_cost_usd_total"));
        Assert.Equal(noisyCost + 0.2559m, MetricsText.Sum(metrics, "cpst_llm_cost_usd_total"));
        Assert.Equal(Noisy + 3, MetricsText.Sum(metrics, "cpst_tasks_total"));
        Assert.DoesNotContain(MetricsText.Samples(metrics, "cpst_tasks_total"), s => s.Labels.StartsWith("use_case=\"__overflow__\"", StringComparison.Ordinal));
        Assert.Equal(Noisy - Share, MetricsText.Required(metrics, "cpst_series_overflow_total{metric=\"cpst_tasks_total\"}"));
        Assert.Equal(Noisy - Share, MetricsText.Required(metrics, "cpst_series_overflow_total{metric=\"cpst_llm_cost_usd_total\"}"));
    }
}
