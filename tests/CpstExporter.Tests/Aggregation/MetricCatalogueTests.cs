using System.Text.RegularExpressions;
using CpstExporter.Aggregation;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Aggregation;

public class MetricCatalogueTests
{
    [Fact]
    public void All_OneEntryPerId_AtItsPlace()
    {
        Assert.Equal(Enum.GetValues<MetricId>(), MetricCatalogue.All.ToArray().Select(m => m.Id));
        foreach (MetricId id in Enum.GetValues<MetricId>()) Assert.Equal(id, MetricCatalogue.Get(id).Id);
    }

    [Fact]
    public void All_FamilyNamesUniqueInBothFormats()
    {
        // OpenMetrics names a counter's family without _total: cpst_task_cost_usd_total and cpst_cost_per_task_usd stay two.
        string[] families = MetricCatalogue.All.ToArray()
            .Select(m => m.Type == MetricType.Counter ? m.Name[..^"_total".Length] : m.Name).ToArray();

        Assert.Equal(families.Length, families.Distinct().Count());
    }

    [Fact]
    public void All_NamesAndLabelsArePrometheusNames_CountersEndInTotal()
    {
        foreach (MetricDescriptor metric in MetricCatalogue.All)
        {
            Assert.Matches(new Regex("^[a-z_][a-z0-9_]*$"), metric.Name);
            Assert.Equal(metric.Type == MetricType.Counter, metric.Name.EndsWith("_total", StringComparison.Ordinal));
            Assert.All(metric.LabelNames, label => Assert.Matches(new Regex("^[a-z][a-z0-9_]*$"), label));
            Assert.Equal(metric.LabelNames.Length, metric.LabelNames.Distinct().Count());
            Assert.False(string.IsNullOrWhiteSpace(metric.Help));
        }
    }

    [Fact]
    public void SeriesFamilies_TakeTheirLabelsAndOverflowNamesFromTheCatalogue()
    {
        var metrics = new CpstMetrics(10, new Dictionary<string, UseCaseOptions>(), new FakeTimeProvider(Support.TestClock.Start));

        Assert.Equal(MetricCatalogue.Get(MetricId.Tasks).LabelNames, metrics.Tasks.LabelNames);
        Assert.Equal([.. MetricCatalogue.TaskLabels, "token_type"], MetricCatalogue.Get(MetricId.TaskTokens).LabelNames);
        Assert.Equal(["use_case", "provider", "model"], metrics.LlmCalls.LabelNames);
        // Every family with a series limit has its overflow counter, named as the catalogue names it, in its order.
        MetricDescriptor[] limited = [.. metrics.Tasks.Metrics, .. metrics.CostHistogram.Metrics, .. metrics.LlmCalls.Metrics,
            .. metrics.UnpricedCalls.Metrics, .. metrics.ByBasis.Metrics, .. metrics.UnpricedServiceTiers.Metrics, .. metrics.ToolCalls.Metrics,
            .. metrics.Evaluations.Metrics, .. metrics.OutcomesBySource.Metrics];
        Assert.Equal(limited.Select(m => m.Name), metrics.Overflows.Values().Select(v => v.Metric));
        Assert.Equal(limited.Select(m => m.Name), MetricCatalogue.All.ToArray().Where(limited.Contains).Select(m => m.Name));
    }
}
