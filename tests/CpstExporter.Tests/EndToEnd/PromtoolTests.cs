using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>Prometheus's own linter on a real scrape that has every kind of series in it.</summary>
public sealed class PromtoolTests
{
    [RequiresBinaryFact("promtool")]
    public async Task CheckMetrics_RealScrape_HasNoProblems()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:UseCases:support-bot:TargetUsd"] = "0.05",
            ["Cpst:UseCases:support-bot:MonthlyBudgetUsd"] = "1000",
            ["Cpst:UseCases:support-bot:SupportingCosts:vector_db"] = "730",
        });
        using var client = new HttpClient();
        var body = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(HttpReceiverTests.ReadmeTrace));
        body.Headers.ContentType = new("application/json");
        (await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), body)).EnsureSuccessStatusCode();
        byte[] tool = Spans.Request("support-bot", Spans.Root(4, Spans.Attr("outcome", "nope")), Spans.Tool(4, 2, "web_search"),
            Spans.Llm(4, 3, "no-such-model", 10, 10)).ToByteArray();
        var protobuf = new ByteArrayContent(tool);
        protobuf.Headers.ContentType = new("application/x-protobuf");
        (await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), protobuf)).EnsureSuccessStatusCode();
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Contains("cpst_unpriced_llm_calls_total", metrics);
        Assert.Contains("cpst_supporting_cost_usd_total", metrics);

        Assert.Equal("", await Promtool.ProblemsAsync(metrics));
        Assert.Contains("dotnet_thread_pool_threads", metrics); // the runtime's families are in the scrape linted
    }

    /// <summary>The scrape of a process started as users start it, with its runtime's and Kestrel's families, lints clean.</summary>
    [RequiresBinaryFact("promtool")]
    public async Task CheckMetrics_ExporterProcessScrape_NoFinding()
    {
        await using var exporter = await ExporterProcess.StartAsync();
        using var client = new HttpClient();
        string metrics = await client.GetStringAsync(new Uri(exporter.MetricsAddress, "/metrics"));

        Assert.Contains("kestrel_active_connections", metrics);
        Assert.Equal("", await Promtool.ProblemsAsync(metrics));
    }
}
