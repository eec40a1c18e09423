using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CpstExporter.Conventions;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// The built exporter as a real process: SIGTERM saves pending tasks and the next process finishes them; SIGKILL
/// after a checkpoint loses nothing from before it and counts nothing twice.
/// </summary>
public sealed class ProcessLifecycleTests : IDisposable
{
    private static readonly HttpClient Client = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-process-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Labels = "use_case=\"reviewer\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"";

    private static async Task PostTraceAsync(Uri http, int trace)
    {
        // No outcome on the root: the task waits for one from the outcome API.
        var content = new ByteArrayContent(Spans.Request("reviewer", Spans.Root(trace), Spans.Llm(trace, 2, "gpt-4o", 2000, 100)).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(http, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<string> PostOutcomeAsync(Uri http, int trace)
    {
        var content = new StringContent($$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(trace)}}","outcome":"success"}]}""", Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(http, "/v1/outcomes"), content);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<string> ScrapeAsync(Uri metrics) => await Client.GetStringAsync(new Uri(metrics, "/metrics"));

    /// <summary>Scrapes until the task is counted whole (the counters of one task are added one after another).</summary>
    private static async Task<string> ScrapeUntilCountedAsync(Uri metrics, decimal cost)
    {
        string text = "";
        try
        {
            await Poll.UntilAsync(async () =>
            {
                text = await ScrapeAsync(metrics);
                return MetricsText.Value(text, $"cpst_tasks_total{{{Labels}}}") == 1m &&
                       MetricsText.Value(text, $"cpst_task_cost_usd_total{{{Labels}}}") == cost &&
                       MetricsText.Value(text, $"cpst_task_tokens_total{{{Labels},token_type=\"output\"}}") == 100m;
            }, "the restored task to be counted");
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}; last scrape:\n{text}");
        }
        return text;
    }

    [Fact]
    public async Task Sigterm_PendingTask_IsSavedAndFinishedOnceByTheNextProcess()
    {
        string state = Path.Combine(_dir, "state.json");
        string[] settings = [$"--Cpst:Tasks:StateFile={state}", "--Cpst:Tasks:SettleSeconds=1"];

        await using (ExporterProcess first = await ExporterProcess.StartAsync(settings))
        {
            await PostTraceAsync(first.HttpAddress, 31);
            string before = await ScrapeAsync(first.MetricsAddress);
            Assert.Equal(1m, MetricsText.Required(before, "cpst_pending_tasks"));
            Assert.Null(MetricsText.Value(before, $"cpst_tasks_total{{{Labels}}}"));

            Assert.Equal(0, await first.SignalAsync("TERM"));
            Assert.Contains("Saved 1 pending tasks", first.Output);
        }
        Assert.Contains(Spans.TraceHex(31), await File.ReadAllTextAsync(state));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));

        await using ExporterProcess second = await ExporterProcess.StartAsync(settings);
        Assert.Equal("{\"applied\":1,\"unknown\":0,\"late\":0,\"dropped\":0}", await PostOutcomeAsync(second.HttpAddress, 31));
        string after = await ScrapeUntilCountedAsync(second.MetricsAddress, 2000 * 2.50m / 1_000_000 + 100 * 10m / 1_000_000);
        Assert.Equal(2000m, MetricsText.Required(after, $"cpst_task_tokens_total{{{Labels},token_type=\"input\"}}"));
        Assert.Equal(0m, MetricsText.Required(after, "cpst_pending_tasks"));
        Assert.Equal(0, await second.SignalAsync("TERM"));
    }

    [Fact]
    public async Task Sigkill_AfterACheckpoint_TheNextProcessRestoresIt()
    {
        string state = Path.Combine(_dir, "state.json");
        string[] settings = [$"--Cpst:Tasks:StateFile={state}", "--Cpst:Tasks:SettleSeconds=1", "--Cpst:Tasks:CheckpointSeconds=1"];

        await using (ExporterProcess first = await ExporterProcess.StartAsync(settings))
        {
            await PostTraceAsync(first.HttpAddress, 32);
            await Poll.UntilAsync(() => File.Exists(state) && File.ReadAllText(state).Contains(Spans.TraceHex(32), StringComparison.Ordinal),
                "a checkpoint with the task");
            Assert.Equal(137, await first.SignalAsync("KILL"));
        }

        await using ExporterProcess second = await ExporterProcess.StartAsync(settings);
        Assert.Contains("Restored 1 pending tasks", second.Output);
        Assert.Equal("{\"applied\":1,\"unknown\":0,\"late\":0,\"dropped\":0}", await PostOutcomeAsync(second.HttpAddress, 32));
        string after = await ScrapeUntilCountedAsync(second.MetricsAddress, 0.006m);
        Assert.Equal(0m, MetricsText.Required(after, "cpst_pending_tasks"));
    }

    [Fact]
    public async Task Sigkill_TasksFinishedAfterTheLastCheckpoint_AreNotCountedAgain_AndAnOutcomeFromBeforeItIsKept()
    {
        const int Tasks = 500, Kept = 10_000;
        string state = Path.Combine(_dir, "state.json");
        // Settling takes 2 s, so the kept task's spans, ten a second, keep it pending even on a busy machine: tasks are
        // swept every 100 ms, so a gap in them as long as the settle time would finish it.
        string[] settings = [$"--Cpst:Tasks:StateFile={state}", "--Cpst:Tasks:SettleSeconds=2", "--Cpst:Tasks:CheckpointSeconds=8"];

        await using (ExporterProcess first = await ExporterProcess.StartAsync(settings))
        {
            // A task that gets its outcome before the checkpoint and is still pending at the kill: its spans keep coming.
            await PostTracesAsync(first.HttpAddress, [Kept]);
            Assert.Contains("\"applied\":1", await PostOutcomesAsync(first.HttpAddress, [Kept]));
            using var stop = new CancellationTokenSource();
            Task keepAlive = KeepAliveAsync(first.HttpAddress, Kept, stop.Token);

            // 500 tasks are pending at a checkpoint, then get their outcome, finish and are scraped, before the next one.
            // Should a checkpoint come in between (a slow machine), the round is repeated with new tasks.
            for (int round = 0; ; round++)
            {
                int[] traces = Enumerable.Range(1 + round * Tasks, Tasks).ToArray();
                await PostTracesAsync(first.HttpAddress, traces);
                await Poll.UntilAsync(() => Checkpointed(state, traces, Kept), "a checkpoint with the tasks pending and the kept task's outcome",
                    TimeSpan.FromSeconds(60));
                Assert.Contains($"\"applied\":{Tasks}", await PostOutcomesAsync(first.HttpAddress, traces));
                await Poll.UntilAsync(async () => MetricsText.Value(await ScrapeAsync(first.MetricsAddress), $"cpst_tasks_total{{{Labels}}}") == Tasks * (round + 1m),
                    "the tasks to be counted");
                if (Checkpointed(state, traces, Kept)) break; // still the last checkpoint: now is the moment
                Assert.True(round < 3, "a checkpoint came between every round's outcomes and its scrape");
            }
            Assert.Equal(137, await first.SignalAsync("KILL"));
            await stop.CancelAsync();
            await keepAlive;
        }

        await using ExporterProcess second = await ExporterProcess.StartAsync(settings);
        Assert.Contains($"Restored 1 pending tasks from {state}; {Tasks} had finished before the restart", second.Output);
        string after = "";
        await Poll.UntilAsync(async () => MetricsText.Value(after = await ScrapeAsync(second.MetricsAddress), $"cpst_tasks_total{{{Labels}}}") == 1m,
            "the kept task to settle");
        Assert.Equal(1m, MetricsText.Sum(after, "cpst_tasks_total")); // none of the 500 again, and no unknown
        Assert.Equal(0.006m, MetricsText.Sum(after, "cpst_task_cost_usd_total"));
        Assert.Equal(0m, MetricsText.Required(after, "cpst_pending_tasks"));
    }

    private static async Task PostTracesAsync(Uri http, int[] traces)
    {
        var spans = traces.SelectMany(t => new[] { Spans.Root(t), Spans.Llm(t, 2, "gpt-4o", 2000, 100) }).ToArray();
        var content = new ByteArrayContent(Spans.Request("reviewer", spans).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(http, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<string> PostOutcomesAsync(Uri http, int[] traces)
    {
        string outcomes = string.Join(',', traces.Select(t => $$"""{"trace_id":"{{Spans.TraceHex(t)}}","outcome":"success"}"""));
        var content = new StringContent($$"""{"outcomes":[{{outcomes}}]}""", Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(http, "/v1/outcomes"), content);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>A span of the task every 100 ms, each with a new span id: the task stays active, so it does not settle.</summary>
    private static async Task KeepAliveAsync(Uri http, int trace, CancellationToken stop)
    {
        for (int span = 3; !stop.IsCancellationRequested; span++)
        {
            try
            {
                var content = new ByteArrayContent(Spans.Request("reviewer", Spans.Child(trace, span)).ToByteArray());
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
                using HttpResponseMessage response = await Client.PostAsync(new Uri(http, "/v1/traces"), content, stop);
                await Task.Delay(100, stop);
            }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException)
            {
                return; // stopped, or the process is gone
            }
        }
    }

    /// <summary>Whether the state file on disk holds every one of <paramref name="traces"/> pending, and <paramref name="kept"/> with its outcome.</summary>
    private static bool Checkpointed(string state, int[] traces, int kept)
    {
        if (!File.Exists(state)) return false;
        TaskStateSnapshot snapshot = JsonSerializer.Deserialize<TaskStateSnapshot>(File.ReadAllBytes(state), TaskStateReader.Options)!;
        var pending = snapshot.Tasks.GroupBy(t => t.TraceId).ToDictionary(g => g.Key, g => g.Last());
        return traces.All(t => pending.ContainsKey(Spans.TraceHex(t))) &&
               pending.TryGetValue(Spans.TraceHex(kept), out PendingTaskState? k) && k.ApiOutcome == Outcome.Success; // the outcome API's verdict, kept apart from a span's
    }

    [Fact]
    public async Task Start_CorruptStateFile_MovesItAsideLogsWhyAndServes()
    {
        string state = Path.Combine(_dir, "state.json");
        await File.WriteAllTextAsync(state, "{\"Version\":1,\"Tasks\":[{\"TraceId\":");

        await using ExporterProcess exporter = await ExporterProcess.StartAsync($"--Cpst:Tasks:StateFile={state}");

        Assert.Single(Directory.GetFiles(_dir, "state.json.unreadable-*"));
        Assert.Contains("could not be read and was moved to", exporter.Output);
        await PostTraceAsync(exporter.HttpAddress, 33);
        Assert.Equal(0, await exporter.SignalAsync("TERM"));
        Assert.Contains(Spans.TraceHex(33), await File.ReadAllTextAsync(state));
    }
}
