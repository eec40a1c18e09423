using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// Runs the <see cref="DemoTraffic"/> of a plan in real time through the <see cref="DemoAgent"/>, hosted as a .NET
/// service is: a generic host whose OpenTelemetry tracing (OpenTelemetry.Extensions.Hosting) exports the agents' spans
/// over OTLP/gRPC, and later outcomes posted to the outcome API when they fall due. At the end it flushes the spans and
/// posts the outcomes still waiting, so every task of a bounded run gets the outcome it was meant to have.
/// </summary>
internal static class DemoRunner
{
    private const int OutcomesPerRequest = 200;
    private static readonly TimeSpan WindDownTimeout = TimeSpan.FromSeconds(10);

    public static async Task<DemoSummary> RunAsync(DemoOptions options, TextWriter log, TimeProvider time, CancellationToken stop)
    {
        DemoPlan plan = options.Plan;
        var traffic = new DemoTraffic(plan);
        using IHost host = BuildHost(options, time);
        await host.StartAsync(CancellationToken.None).ConfigureAwait(false);
        DemoAgent agent = host.Services.GetRequiredService<DemoAgent>();
        TracerProvider tracing = host.Services.GetRequiredService<TracerProvider>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var poster = new OutcomePoster(http, options.Outcomes);
        var waiting = new PriorityQueue<(string TraceId, string Outcome), double>();
        int tasks = 0, spans = 0, changed = 0;

        log.WriteLine(Invariant($"demo: sending to {options.Endpoint} (OTLP/gRPC), outcomes to {(options.Outcomes.Count == 0 ? "nowhere" : string.Join(", ", options.Outcomes))}"));
        log.WriteLine(plan.Scenario == Scenario.None
            ? Invariant($"demo: {plan.TasksPerSecond} tasks/s, steady traffic, seed {plan.Seed}")
            : Invariant($"demo: {plan.TasksPerSecond} tasks/s, scenario {plan.Scenario.Name()} on {plan.Target.Name} after {plan.WarmupSeconds} s of warm-up, seed {plan.Seed}"));

        long started = time.GetTimestamp();
        double Elapsed() => time.GetElapsedTime(started).TotalSeconds;
        bool MoreToSend(PlannedTask next) =>
            (options.MaxTasks is not int max || tasks < max) && (options.DurationSeconds is not double end || next.AtSeconds < end);

        PlannedTask next = traffic.Next();
        double nextStatus = options.StatusIntervalSeconds;
        try
        {
            while (MoreToSend(next))
            {
                double wake = Math.Min(next.AtSeconds, nextStatus);
                if (waiting.TryPeek(out _, out double due)) wake = Math.Min(wake, due);
                double now = Elapsed();
                if (wake > now) await Task.Delay(TimeSpan.FromSeconds(wake - now), time, stop).ConfigureAwait(false);
                now = Elapsed();

                // Behind schedule (a slow machine, a paused process) the tasks due are sent at once, not dropped.
                while (next.AtSeconds <= now && MoreToSend(next))
                {
                    TaskShape task = next.Task;
                    ActivityTraceId? traceId = await agent.RunAsync(task, stop).ConfigureAwait(false);
                    tasks++;
                    spans += task.SpanCount;
                    if (task.Changed) changed++;
                    if (traceId is ActivityTraceId id && task.Delivery == OutcomeDelivery.Later)
                        waiting.Enqueue((id.ToHexString(), task.OutcomeValue), next.AtSeconds + task.OutcomeDelaySeconds);
                    next = traffic.Next();
                }

                await PostAsync(poster, waiting, now, stop).ConfigureAwait(false);
                if (now >= nextStatus)
                {
                    log.WriteLine(Status(now, traffic, plan, tasks, spans, poster));
                    nextStatus += options.StatusIntervalSeconds;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            log.WriteLine("demo: stopping");
        }

        // Spans first, so that the outcomes find their tasks pending rather than held for traces not seen yet.
        if (!tracing.ForceFlush((int)WindDownTimeout.TotalMilliseconds)) log.WriteLine("demo: some spans could not be exported before stopping");
        using (var windDown = new CancellationTokenSource(WindDownTimeout))
            await PostAsync(poster, waiting, double.PositiveInfinity, windDown.Token).ConfigureAwait(false);
        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);

        var summary = new DemoSummary(tasks, spans, changed, poster.Posted, poster.Failed);
        log.WriteLine(Invariant($"demo: sent {summary.Tasks} tasks ({summary.ChangedTasks} changed by the scenario), {summary.Spans} spans, {summary.OutcomesPosted} later outcomes ({summary.OutcomesFailed} failed)"));
        return summary;
    }

    /// <summary>The agents' process: the demo's service resource, every span sampled, OTLP/gRPC to the endpoint.</summary>
    internal static IHost BuildHost(DemoOptions options, TimeProvider time)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // The OTEL_* variables (OTEL_EXPORTER_OTLP_HEADERS for an exporter that asks for a token…) work as in any instrumented app.
        builder.Configuration.AddEnvironmentVariables();
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(services => new DemoAgent(options.SourceName, services.GetRequiredService<TimeProvider>()));
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService("cpst-demo", serviceVersion: "1.0.0")
                .AddAttributes([new("deployment.environment.name", "demo")]))
            .WithTracing(tracing => tracing
                .AddSource(options.SourceName)
                .SetSampler(new AlwaysOnSampler())
                .AddOtlpExporter(otlp =>
                {
                    otlp.Endpoint = options.Endpoint;
                    otlp.Protocol = OtlpExportProtocol.Grpc;
                    otlp.ExportProcessorType = ExportProcessorType.Batch;
                    // One export a second keeps the dashboards lively; the large queue keeps fast bounded runs from dropping spans.
                    otlp.BatchExportProcessorOptions = new BatchExportProcessorOptions<Activity>
                    {
                        ScheduledDelayMilliseconds = 1000,
                        MaxQueueSize = 65536,
                        MaxExportBatchSize = 512,
                    };
                }));
        return builder.Build();
    }

    private static async Task PostAsync(OutcomePoster poster, PriorityQueue<(string TraceId, string Outcome), double> waiting, double now, CancellationToken cancel)
    {
        var batch = new List<(string TraceId, string Outcome)>(OutcomesPerRequest);
        while (waiting.TryPeek(out _, out double due) && due <= now)
        {
            batch.Add(waiting.Dequeue());
            if (batch.Count < OutcomesPerRequest) continue;
            await poster.PostAsync(batch, cancel).ConfigureAwait(false);
            batch.Clear();
        }
        await poster.PostAsync(batch, cancel).ConfigureAwait(false);
    }

    private static string Status(double now, DemoTraffic traffic, DemoPlan plan, int tasks, int spans, OutcomePoster poster)
    {
        string phase = plan.Scenario == Scenario.None ? "steady"
            : traffic.IsScenarioActive(now) ? $"{plan.Scenario.Name()} active on {plan.Target.Name}"
            : Invariant($"warming up, {plan.Scenario.Name()} in {plan.WarmupSeconds - now:F0} s");
        return Invariant($"demo: {now,7:F0} s  {tasks,8} tasks  {spans,9} spans  outcomes {poster.Posted} posted, {poster.Failed} failed  [{phase}]");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
