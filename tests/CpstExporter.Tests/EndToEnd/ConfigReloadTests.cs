using System.Diagnostics;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>A use case's target, budget and supporting cost edited in the settings file (<c>Cpst:SettingsFile</c>) reach /metrics without a restart.</summary>
public sealed class ConfigReloadTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-config-").FullName;

    private string SettingsFile => Path.Combine(_directory, "cpst.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private void WriteSettings(string target, string budget, string vectorDb) => File.WriteAllText(SettingsFile, $$"""
        { "Cpst": { "UseCases": { "support-bot": {
            "TargetUsd": {{target}}, "MonthlyBudgetUsd": {{budget}}, "SupportingCosts": { "vector_db": {{vectorDb}} } } } } }
        """);

    [Fact]
    public async Task EditedSettingsFile_AppliesWithoutRestart()
    {
        WriteSettings(target: "0.05", budget: "1000", vectorDb: "730");
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:SettingsFile"] = SettingsFile });
        exporter.Clock.Advance(TimeSpan.FromHours(1));

        WriteSettings(target: "0.04", budget: "1200", vectorDb: "1460");
        string metrics = await ScrapeUntilAsync(exporter, "cpst_target_usd{use_case=\"support-bot\"} 0.04");
        exporter.Clock.Advance(TimeSpan.FromHours(1));
        metrics = await exporter.ScrapeAsync();

        Assert.Equal(1200m, MetricsText.Required(metrics, "cpst_monthly_budget_usd{use_case=\"support-bot\"}"));
        Assert.Equal(3m, MetricsText.Required(metrics, "cpst_supporting_cost_usd_total{use_case=\"support-bot\",item=\"vector_db\"}"));

        WriteSettings(target: "\"cheap\"", budget: "1200", vectorDb: "1460");
        // One edit may be seen twice (a write can raise two change events), so the failures are at least one.
        metrics = await ScrapeUntilAsync(exporter, m => MetricsText.Value(m, "cpst_config_reload_failures_total{config=\"use_cases\"}") >= 1m);
        Assert.Equal(0.04m, MetricsText.Required(metrics, "cpst_target_usd{use_case=\"support-bot\"}"));
    }

    [Fact]
    public async Task EditedPriceTable_PricesLaterCallsAtTheNewPrice()
    {
        string pricing = Path.Combine(_directory, "pricing.yaml");
        File.WriteAllText(pricing, "models:\n  - { name: gpt-4o, input: 2.50, output: 10.00 }\n");
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:PricingFile"] = pricing });
        string before = PricingVersion(await exporter.ScrapeAsync());
        using var http = new HttpClient();
        async Task SendCallAsync(int trace)
        {
            byte[] body = Spans.Request("support-bot", Spans.Llm(trace, 2, "gpt-4o", 1000, 200), Spans.Root(trace)).ToByteArray();
            using var content = new ByteArrayContent(body) { Headers = { { "Content-Type", "application/x-protobuf" } } };
            using HttpResponseMessage response = await http.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
            response.EnsureSuccessStatusCode();
        }

        await SendCallAsync(1);
        File.WriteAllText(pricing, "models:\n  - { name: gpt-4o, input: 5.00, output: 20.00 }\n");
        string second = PricingVersion(await ScrapeUntilAsync(exporter, m => PricingVersion(m) != before, PriceTableReload));
        await SendCallAsync(2);
        File.WriteAllText(pricing, "models:\n  - { name: gpt-4o, input: lots }\n");
        string metrics = await ScrapeUntilAsync(exporter, m => m.Contains("cpst_config_reload_failures_total{config=\"pricing\"} 1\n", StringComparison.Ordinal),
            PriceTableReload);
        Assert.Equal(second, PricingVersion(metrics));
        await SendCallAsync(3);

        // 0.0045 at the first price, 0.009 at the second, and the broken edit keeps the second.
        Assert.Equal(0.0225m, MetricsText.Required(await exporter.ScrapeAsync(),
            "cpst_llm_cost_usd_total{use_case=\"support-bot\",provider=\"unknown\",model=\"gpt-4o\"}"));
    }

    private static string PricingVersion(string metrics) =>
        metrics.Split('\n').Single(l => l.StartsWith("cpst_pricing_info{", StringComparison.Ordinal));

    [Fact]
    public async Task ShippedExampleSettingsFile_ConfiguresTheDemoUseCases()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:SettingsFile"] = RepoFiles.Path("config", "cpst.json") });

        string metrics = await exporter.ScrapeAsync();

        Assert.Equal(0.015m, MetricsText.Required(metrics, "cpst_target_usd{use_case=\"support-bot\"}"));
        Assert.Equal(200000m, MetricsText.Required(metrics, "cpst_monthly_budget_usd{use_case=\"coding-agent\"}"));
        Assert.Equal(0m, MetricsText.Required(metrics, "cpst_supporting_cost_usd_total{use_case=\"search-agent\",item=\"search_api\"}"));
    }

    [Fact]
    public async Task MissingSettingsFile_StopsTheStartWithTheKeyNamed()
    {
        var e = await Assert.ThrowsAsync<CpstConfigurationException>(() =>
            ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:SettingsFile"] = Path.Combine(_directory, "missing.json") }));

        Assert.StartsWith("Cpst:SettingsFile: no file at ", e.Message);
    }

    /// <summary>The file watcher reports the edit on its own thread; wait (bounded) until the scrape shows it.</summary>
    private static Task<string> ScrapeUntilAsync(ExporterUnderTest exporter, string line) =>
        ScrapeUntilAsync(exporter, metrics => metrics.Split('\n').Contains(line));

    /// <summary>How often the price table file is looked at, on a timer of the service's clock.</summary>
    private static readonly TimeSpan PriceTableReload = new PricingOptions().ReloadInterval;

    /// <param name="tick">What the service's clock moves on before each scrape, for an edit that a timer of it finds.</param>
    private static async Task<string> ScrapeUntilAsync(ExporterUnderTest exporter, Func<string, bool> shows, TimeSpan? tick = null)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (tick is TimeSpan step) exporter.Clock.Advance(step);
            string metrics = await exporter.ScrapeAsync();
            if (shows(metrics)) return metrics;
            if (waited.Elapsed > TimeSpan.FromSeconds(30)) Assert.Fail($"the edit did not show on /metrics within 30 s:\n{metrics}");
            await Task.Delay(50);
        }
    }
}
