extern alias LoadGen;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using LoadGen::CpstExporter.LoadGen.Demo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Trace;

namespace CpstExporter.Tests.LoadGen;

/// <summary>
/// The demo agents run their planned tasks through Microsoft.Extensions.AI: the spans are the library's own
/// (<c>chat {model}</c>, <c>execute_tool {name}</c>) under the agent's <c>invoke_agent</c> root, laid out in time as
/// planned, and a real exporter, fed by the demo's own host over OTLP/gRPC, counts every call once with the planned
/// model, provider, tokens and tools, to the last token and the last digit of cost.
/// </summary>
public sealed class DemoAgentTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A task of each use case: the support bot streams, the others do not; under <c>agent-loops</c> the coding agent's
    /// plan has LLM calls with no tool between them, which the agent makes by carrying on the conversation.
    /// </summary>
    [Fact]
    public async Task RunAsync_TaskOfEachUseCase_SpansAreTheLibrarysLaidOutAsPlanned()
    {
        List<PlannedTask> planned = TrafficStats.Generate(new DemoPlan { Scenario = Scenario.AgentLoops, WarmupSeconds = 0, TasksPerSecond = 10 }, 30);
        TaskShape[] tasks = [.. UseCaseProfiles.All.Select(profile => planned.First(p => p.Task.UseCase == profile && p.Task.Delivery == OutcomeDelivery.OnRoot).Task)];
        Assert.Contains(tasks, t => t.Calls.Zip(t.Calls.Skip(1)).Any(pair => pair.First.Kind == CallKind.Llm && pair.Second.Kind == CallKind.Llm));

        string sourceName = $"demo-{Guid.NewGuid():N}";
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == sourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        using var agent = new DemoAgent(sourceName, new FakeTimeProvider(Now));
        foreach (TaskShape task in tasks)
        {
            ActivityTraceId traceId = Assert.NotNull(await agent.RunAsync(task, CancellationToken.None));
            AssertSpans(task, [.. spans.Where(s => s.TraceId == traceId)]);
        }
        Assert.DoesNotContain(spans, s => s.DisplayName.StartsWith("orchestrate_tools", StringComparison.Ordinal));
    }

    private static void AssertSpans(TaskShape task, List<Activity> spans)
    {
        string what = $"{task.UseCase.Name} task";
        Assert.Equal(task.SpanCount, spans.Count);
        Activity root = Assert.Single(spans, s => s.ParentSpanId == default);
        Assert.Equal($"invoke_agent {task.UseCase.Name}", root.DisplayName);
        Assert.Equal("invoke_agent", root.GetTagItem("gen_ai.operation.name"));
        Assert.Equal(task.UseCase.Name, root.GetTagItem("cpst.use_case"));
        Assert.Equal(task.UseCase.Name, root.GetTagItem("gen_ai.agent.name"));
        Assert.Equal(task.Variant, root.GetTagItem("cpst.variant"));
        Assert.Equal(task.OutcomeValue, root.GetTagItem("outcome"));
        // The task ends now and began its planned duration (plus the agent's own 50 ms) before.
        Assert.Equal(Now.UtcDateTime, root.StartTimeUtc + root.Duration);
        Assert.Equal(TimeSpan.FromSeconds(task.DurationSeconds + 0.05), root.Duration);

        List<Activity> children = [.. spans.Where(s => s != root).OrderBy(s => s.StartTimeUtc)];
        DateTimeOffset at = Now - TimeSpan.FromSeconds(task.DurationSeconds + 0.05) + TimeSpan.FromMilliseconds(25);
        for (int i = 0; i < task.Calls.Count; i++)
        {
            CallShape call = task.Calls[i];
            Activity span = children[i];
            string step = $"{what}, step {i + 1}";
            Assert.True(span.ParentSpanId == root.SpanId, $"{step}: {span.DisplayName} is not a child of the root");
            Assert.True(span.StartTimeUtc == at.UtcDateTime, $"{step}: starts at {span.StartTimeUtc:O}, planned {at.UtcDateTime:O}");
            at += TimeSpan.FromSeconds(call.DurationSeconds);
            Assert.True(span.StartTimeUtc + span.Duration == at.UtcDateTime, $"{step}: ends at {span.StartTimeUtc + span.Duration:O}, planned {at.UtcDateTime:O}");
            if (call.Kind == CallKind.Llm)
            {
                ModelSpec model = call.Model!;
                bool asksForTools = i + 1 < task.Calls.Count && task.Calls[i + 1].Kind == CallKind.Tool;
                Assert.Equal($"chat {model.Name}", span.DisplayName);
                Assert.Equal(ActivityKind.Client, span.Kind);
                Assert.Equal("chat", span.GetTagItem("gen_ai.operation.name"));
                Assert.Equal(model.Provider, span.GetTagItem("gen_ai.provider.name"));
                Assert.Equal(model.Name, span.GetTagItem("gen_ai.request.model"));
                Assert.Equal(model.Name, span.GetTagItem("gen_ai.response.model"));
                Assert.Equal(model.ServerAddress, span.GetTagItem("server.address"));
                Assert.Equal(call.InputTokens, Convert.ToInt64(span.GetTagItem("gen_ai.usage.input_tokens"), CultureInfo.InvariantCulture));
                Assert.Equal(call.OutputTokens, Convert.ToInt64(span.GetTagItem("gen_ai.usage.output_tokens"), CultureInfo.InvariantCulture));
                if (call.CacheReadTokens > 0)
                    Assert.Equal(call.CacheReadTokens, Convert.ToInt64(span.GetTagItem("gen_ai.usage.cache_read.input_tokens"), CultureInfo.InvariantCulture));
                else
                    Assert.Null(span.GetTagItem("gen_ai.usage.cache_read.input_tokens"));
                Assert.Equal(asksForTools ? "[\"tool_calls\"]" : "[\"stop\"]", span.GetTagItem("gen_ai.response.finish_reasons"));
                Assert.Equal(task.UseCase.Streams ? true : (object?)null, span.GetTagItem("gen_ai.request.stream"));
            }
            else
            {
                Assert.Equal($"execute_tool {call.Tool}", span.DisplayName);
                Assert.Equal("execute_tool", span.GetTagItem("gen_ai.operation.name"));
                Assert.Equal(call.Tool, span.GetTagItem("gen_ai.tool.name"));
            }
        }
        // 25 ms before the root, to the rounding of each step's seconds to ticks.
        Assert.InRange((Now - at).TotalMilliseconds, 24.99, 25.01);
    }

    /// <summary>
    /// Tasks of every use case and model (the <c>cheap-model</c> scenario on each use case), outcomes on the root or
    /// none, through the demo's host to a real exporter: every per-call and per-task series equals what the plan says.
    /// </summary>
    [Fact]
    public async Task RunAsync_PlannedTasks_ExporterCountsEveryCallOnceAsPlanned()
    {
        List<TaskShape> tasks = [.. UseCaseProfiles.All.SelectMany(profile =>
            TrafficStats.Generate(new DemoPlan { Scenario = Scenario.CheapModel, TargetUseCase = profile.Name, WarmupSeconds = 4, TasksPerSecond = 10 }, 8)
                .Select(p => p.Task))];
        foreach (UseCaseProfile profile in UseCaseProfiles.All)
            foreach (ModelSpec model in new[] { profile.Model, profile.CheapModel })
                Assert.Contains(tasks, t => t.UseCase == profile && t.Model == model);

        await using var exporter = await ExporterUnderTest.StartAsync();
        var options = new DemoOptions { Endpoint = exporter.GrpcAddress, SourceName = $"demo-{Guid.NewGuid():N}" };
        using (IHost host = DemoRunner.BuildHost(options, TimeProvider.System))
        {
            await host.StartAsync();
            DemoAgent agent = host.Services.GetRequiredService<DemoAgent>();
            foreach (TaskShape task in tasks) Assert.NotNull(await agent.RunAsync(task, CancellationToken.None));
            Assert.True(host.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000), "the demo's host could not flush its spans");
            await host.StopAsync();
        }
        exporter.Settle(); // tasks with their outcome on the root
        exporter.Settle(901); // and the others, as unknown, at the end of the outcome window
        string metrics = await exporter.ScrapeAsync();

        Dictionary<string, decimal> expected = Expected(tasks);
        var wrong = new List<string>();
        foreach (string family in expected.Keys.Select(series => series[..series.IndexOf('{', StringComparison.Ordinal)]).Distinct())
        {
            foreach (var (labels, value) in MetricsText.Samples(metrics, family))
            {
                string series = $"{family}{{{labels}}}";
                if (expected.TryGetValue(series, out decimal want) ? value != want : value != 0) wrong.Add($"{series}: expected {want}, got {value}");
            }
        }
        wrong.AddRange(expected.Where(e => MetricsText.Value(metrics, e.Key) is null && e.Value != 0).Select(e => $"{e.Key}: expected {e.Value}, got no sample"));
        Assert.True(wrong.Count == 0, $"{wrong.Count} series wrong:\n{string.Join('\n', wrong)}\n\n{metrics}");

        Assert.Equal(tasks.Sum(t => t.SpanCount), MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"grpc\"}"));
        Assert.Equal(0m, MetricsText.Required(metrics, "cpst_duplicate_spans_total"));
        Assert.Equal(0m, MetricsText.Required(metrics, "cpst_late_spans_total"));
        Assert.Equal(0m, MetricsText.Sum(metrics, "cpst_rejected_spans_total"));
        Assert.Equal(0m, MetricsText.Sum(metrics, "cpst_unpriced_llm_calls_total"));
        Assert.Equal(0m, MetricsText.Required(metrics, "cpst_pending_tasks"));
    }

    /// <summary>Every series the plan moves, per call and per task, with the shipped price table's costs.</summary>
    private static Dictionary<string, decimal> Expected(IEnumerable<TaskShape> tasks)
    {
        var expected = new Dictionary<string, decimal>(StringComparer.Ordinal);
        void Add(string series, decimal value) => expected[series] = expected.GetValueOrDefault(series) + value;

        foreach (TaskShape task in tasks)
        {
            string useCase = task.UseCase.Name;
            string outcome = task.Delivery == OutcomeDelivery.OnRoot ? task.OutcomeValue : "unknown";
            string labels = $"use_case=\"{useCase}\",outcome=\"{outcome}\",model=\"{task.Model.Name}\",environment=\"demo\",variant=\"{task.Variant ?? "none"}\"";
            Add($"cpst_tasks_total{{{labels}}}", 1);
            Add($"cpst_task_cost_usd_total{{{labels}}}", TrafficStats.Cost(task));
            Add($"cpst_task_llm_calls_total{{{labels}}}", task.LlmCalls);
            Add($"cpst_task_tool_calls_total{{{labels}}}", task.ToolCalls);
            foreach (CallShape call in task.Calls)
            {
                if (call.Kind == CallKind.Tool)
                {
                    Add($"cpst_tool_calls_total{{use_case=\"{useCase}\",tool=\"{call.Tool}\"}}", 1);
                    Add($"cpst_tool_cost_usd_total{{use_case=\"{useCase}\",tool=\"{call.Tool}\"}}", TrafficStats.Cost(call));
                    continue;
                }
                string callLabels = $"use_case=\"{useCase}\",provider=\"{call.Model!.Provider}\",model=\"{call.Model.Name}\"";
                Add($"cpst_task_tokens_total{{{labels},token_type=\"input\"}}", call.InputTokens);
                Add($"cpst_task_tokens_total{{{labels},token_type=\"output\"}}", call.OutputTokens);
                Add($"cpst_llm_calls_total{{{callLabels}}}", 1);
                Add($"cpst_llm_cost_usd_total{{{callLabels}}}", TrafficStats.Cost(call));
                Add($"cpst_llm_tokens_total{{{callLabels},token_type=\"input\"}}", call.InputTokens);
                Add($"cpst_llm_tokens_total{{{callLabels},token_type=\"output\"}}", call.OutputTokens);
                Add($"cpst_llm_tokens_total{{{callLabels},token_type=\"cache_read\"}}", call.CacheReadTokens);
            }
        }
        return expected;
    }
}
