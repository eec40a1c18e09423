using System.Diagnostics;
using CpstExporter.Tests.Support;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>A use case's target, budget and supporting cost edited in a JSON settings file reach /metrics without a restart.</summary>
public sealed class ConfigReloadTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-config-").FullName;

    private string SettingsFile => Path.Combine(_directory, "appsettings.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private void WriteSettings(string target, string budget, string vectorDb) => File.WriteAllText(SettingsFile, $$"""
        { "Cpst": { "UseCases": { "support-bot": {
            "TargetUsd": {{target}}, "MonthlyBudgetUsd": {{budget}}, "SupportingCosts": { "vector_db": {{vectorDb}} } } } } }
        """);

    [Fact]
    public async Task EditedSettingsFile_AppliesWithoutRestart()
    {
        WriteSettings(target: "0.05", budget: "1000", vectorDb: "730");
        await using var exporter = await ExporterUnderTest.StartAsync(sources: c => c.AddJsonFile(SettingsFile, optional: false, reloadOnChange: true));
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
