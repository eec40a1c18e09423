using System.Diagnostics;
using CpstExporter.Tests.Support;
using Xunit;

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
        metrics = await ScrapeUntilAsync(exporter, "cpst_config_reload_failures_total{config=\"use_cases\"} 1");
        Assert.Equal(0.04m, MetricsText.Required(metrics, "cpst_target_usd{use_case=\"support-bot\"}"));
    }

    [Fact]
    public async Task ShippedExampleSettingsFile_ConfiguresTheDemoUseCases()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:SettingsFile"] = RepoFiles.Path("config", "cpst.json") });

        string metrics = await exporter.ScrapeAsync();

        Assert.Equal(0.02m, MetricsText.Required(metrics, "cpst_target_usd{use_case=\"support-bot\"}"));
        Assert.Equal(4000m, MetricsText.Required(metrics, "cpst_monthly_budget_usd{use_case=\"coding-agent\"}"));
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
    private static async Task<string> ScrapeUntilAsync(ExporterUnderTest exporter, string line)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            string metrics = await exporter.ScrapeAsync();
            if (metrics.Split('\n').Contains(line)) return metrics;
            if (waited.Elapsed > TimeSpan.FromSeconds(30)) Assert.Fail($"'{line}' not on /metrics 30 s after the edit:\n{metrics}");
            await Task.Delay(50);
        }
    }
}
