extern alias LoadGen;
using LoadGen::CpstExporter.LoadGen.Demo;

namespace CpstExporter.Tests.LoadGen;

/// <summary>
/// The demo as users run it, bounded: Microsoft.Extensions.AI agents in a generic host, the OpenTelemetry SDK's OTLP/gRPC
/// exporter, a real exporter on loopback, later outcomes through the outcome API. Every task sent must be counted, with
/// the plan's tokens and cost, once the exporter's clock has passed the outcome window.
/// </summary>
public sealed class DemoRunnerEndToEndTests
{
    [Fact]
    public async Task Run_BoundedDemo_ExporterCountsEveryTask()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        var options = new DemoOptions
        {
            Endpoint = exporter.GrpcAddress,
            Outcomes = [new Uri(exporter.HttpAddress, "/v1/outcomes")],
            Plan = new DemoPlan { TasksPerSecond = 500, WarmupSeconds = 0.05, Scenario = Scenario.AgentLoops },
            MaxTasks = 60,
            SourceName = $"demo-{Guid.NewGuid():N}",
        };
        // The same plan, generated apart: the run sends its first 60 tasks.
        List<TaskShape> planned = [.. TrafficStats.Generate(options.Plan, double.PositiveInfinity, maxTasks: 60).Select(p => p.Task)];

        DemoSummary summary = await DemoRunner.RunAsync(options, TextWriter.Null, TimeProvider.System, CancellationToken.None);

        Assert.Equal(60, summary.Tasks);
        Assert.True(summary.ChangedTasks > 0, "no task of the run was changed by the scenario");
        Assert.True(summary.OutcomesPosted > 0, "no outcome went through the outcome API");
        Assert.Equal(0, summary.OutcomesFailed);

        exporter.Settle(); // tasks with an outcome
        exporter.Settle(901); // and those that never get one, at the end of the outcome window
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(summary.Spans, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"grpc\"}"));
        Assert.Equal(summary.Tasks, Sum(metrics, "cpst_tasks_total{"));
        Assert.Equal(summary.Tasks, Sum(metrics, "cpst_tasks_total{use_case=\"support-bot\"") + Sum(metrics, "cpst_tasks_total{use_case=\"coding-agent\"")
            + Sum(metrics, "cpst_tasks_total{use_case=\"search-agent\""));
        Assert.True(Sum(metrics, "cpst_tasks_total{use_case=\"support-bot\",outcome=\"success\"") > 0);
        Assert.Equal(0m, Sum(metrics, "cpst_unpriced_llm_calls_total{"));
        Assert.Equal(planned.Sum(TrafficStats.Cost), Sum(metrics, "cpst_task_cost_usd_total{"));
        Assert.Equal(planned.Sum(t => t.LlmCalls), Sum(metrics, "cpst_task_llm_calls_total{"));
        Assert.Equal(planned.Sum(t => t.ToolCalls), Sum(metrics, "cpst_task_tool_calls_total{"));
        Assert.Equal(planned.SelectMany(t => t.Calls).Sum(c => c.InputTokens), Sum(metrics, "cpst_llm_tokens_total{", "token_type=\"input\""));
        Assert.Equal(planned.SelectMany(t => t.Calls).Sum(c => c.OutputTokens), Sum(metrics, "cpst_llm_tokens_total{", "token_type=\"output\""));
        Assert.Equal(planned.SelectMany(t => t.Calls).Sum(c => c.CacheReadTokens), Sum(metrics, "cpst_llm_tokens_total{", "token_type=\"cache_read\""));
        Assert.Equal(0m, MetricsText.Required(metrics, "cpst_dropped_outcomes_total"));
        Assert.Equal(0m, MetricsText.Required(metrics, "cpst_pending_tasks"));
    }

    private static decimal Sum(string exposition, string prefix, string label = "") =>
        exposition.Split('\n').Where(line => line.StartsWith(prefix, StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
            .Sum(line => decimal.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
}
