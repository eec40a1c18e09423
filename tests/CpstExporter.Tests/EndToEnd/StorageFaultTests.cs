using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// The state file's storage failing under the built exporter as a real process (docs/operations.md, "Failed saves"): a
/// full disk and a read-only one, at start and while running, on a tmpfs the test mounts; two instances given one state
/// file; a SIGKILL in the middle of a checkpoint of hundreds of thousands of tasks. <c>/readyz</c> says so and recovers by
/// itself, nothing accepted is lost or counted twice.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class StorageFaultTests : IDisposable
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-storage-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Success = "use_case=\"reviewer\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"";

    // gpt-4o: $2.50 per 1M input tokens, $10 per 1M output tokens (pricing.yaml); 2,000 in and 100 out.
    private const decimal CostPerTask = 0.006m;

    private static string[] Settings(string state) =>
        [$"--Cpst:Tasks:StateFile={state}", "--Cpst:Tasks:CheckpointSeconds=1", "--Cpst:Tasks:MaxFinishedRemembered=400000"];

    [RequiresTmpfsFact]
    public async Task DiskFull_WhileRunning_ReadyzSaysSoUntilSpaceIsFreed_AndNothingAcceptedIsLost()
    {
        await using Tmpfs disk = await Tmpfs.MountAsync(1 << 20);
        string state = Path.Combine(disk.Path, "state.json");
        await using (ExporterProcess first = await ExporterProcess.StartAsync(Settings(state)))
        {
            await PostWaitingAsync(first.HttpAddress, Enumerable.Range(1, 10));
            await ReadyzUntilAsync(first, HttpStatusCode.OK, "the first checkpoint");

            disk.Fill();
            string body = await ReadyzUntilAsync(first, HttpStatusCode.ServiceUnavailable, "a checkpoint to fail on the full disk");
            Assert.Contains("checkpoint of the state file failed", body);
            Assert.DoesNotContain(disk.Path, body);
            await PostWaitingAsync(first.HttpAddress, Enumerable.Range(11, 10)); // still receiving and counting
            Assert.True(MetricsText.Required(await ScrapeAsync(first.MetricsAddress), "cpst_state_save_failures_total") >= 1);
            await LoggedAsync(first, "No space left on device");

            disk.Free();
            await ReadyzUntilAsync(first, HttpStatusCode.OK, "a checkpoint to succeed once space is free");
            Assert.Equal(0, await first.SignalAsync("TERM"));
        }

        await using ExporterProcess second = await ExporterProcess.StartAsync(Settings(state));
        Assert.Contains("Restored 20 pending tasks", second.Output);
        await PostOutcomesAsync(second.HttpAddress, Enumerable.Range(1, 20));
        await CountedUntilAsync(second.MetricsAddress, 20);
    }

    [RequiresTmpfsFact]
    public async Task DiskFull_AtStart_ServesWithReadyz503_AndRecoversWhenSpaceIsFreed()
    {
        await using Tmpfs disk = await Tmpfs.MountAsync(1 << 20);
        string state = Path.Combine(disk.Path, "state.json");
        disk.Fill();
        await using ExporterProcess exporter = await ExporterProcess.StartAsync(Settings(state));

        var (status, body) = await ReadyzAsync(exporter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status); // from the start, not from the first checkpoint
        Assert.Contains("cannot be written", body);
        await PostWaitingAsync(exporter.HttpAddress, [1]);

        disk.Free();
        await ReadyzUntilAsync(exporter, HttpStatusCode.OK, "a checkpoint to succeed once space is free");
        Assert.Contains(Spans.TraceHex(1), await File.ReadAllTextAsync(state));
    }

    [RequiresTmpfsFact]
    public async Task ReadOnly_AtStart_ServesWithReadyz503_AndRecoversWhenWritable()
    {
        await using Tmpfs disk = await Tmpfs.MountAsync(1 << 20, readOnly: true);
        string state = Path.Combine(disk.Path, "state.json");
        await using ExporterProcess exporter = await ExporterProcess.StartAsync(Settings(state));

        Assert.Contains("cannot write in", exporter.Output); // the start-up check's warning names the directory and why
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await ReadyzAsync(exporter)).Status);
        await PostWaitingAsync(exporter.HttpAddress, [1, 2]);

        await disk.ReadWriteAsync();
        await ReadyzUntilAsync(exporter, HttpStatusCode.OK, "a checkpoint to succeed once the disk is writable");
        Assert.True(File.Exists(state + ".lock"), "the lock was not taken once it could be");
        Assert.Equal(0, await exporter.SignalAsync("TERM"));

        await using ExporterProcess second = await ExporterProcess.StartAsync(Settings(state));
        Assert.Contains("Restored 2 pending tasks", second.Output);
    }

    [RequiresTmpfsFact]
    public async Task ReadOnly_WhileRunning_ReadyzSaysSoUntilWritable_AndNothingAcceptedIsLost()
    {
        string state = Path.Combine(_dir, "state.json");
        await using (ExporterProcess first = await ExporterProcess.StartAsync(Settings(state)))
        {
            await PostWaitingAsync(first.HttpAddress, Enumerable.Range(1, 5));
            await ReadyzUntilAsync(first, HttpStatusCode.OK, "the first checkpoint");

            await using (await Tmpfs.CoverReadOnlyAsync(_dir))
            {
                await ReadyzUntilAsync(first, HttpStatusCode.ServiceUnavailable, "a checkpoint to fail on the read-only directory");
                await PostWaitingAsync(first.HttpAddress, Enumerable.Range(6, 5));
                await LoggedAsync(first, "Read-only file system");
            }
            await ReadyzUntilAsync(first, HttpStatusCode.OK, "a checkpoint to succeed once the directory is writable");
            Assert.Equal(0, await first.SignalAsync("TERM"));
        }

        await using ExporterProcess second = await ExporterProcess.StartAsync(Settings(state));
        Assert.Contains("Restored 10 pending tasks", second.Output);
    }

    [Fact]
    public async Task SecondInstance_SameStateFile_RefusesToStart_AndTheFirstServesOn()
    {
        string state = Path.Combine(_dir, "state.json");
        await using ExporterProcess first = await ExporterProcess.StartAsync(Settings(state));
        await PostWaitingAsync(first.HttpAddress, [1]);

        var (code, output) = await ExporterProcess.RunToEndAsync([.. Settings(state),
            "--Cpst:Listen:OtlpGrpc=http://127.0.0.1:0", "--Cpst:Listen:OtlpHttp=http://127.0.0.1:0", "--Cpst:Listen:Metrics=http://127.0.0.1:0"]);
        Assert.Equal(2, code);
        Assert.Contains($"'{state}' is in use by another running exporter", output);

        Assert.Equal(HttpStatusCode.OK, (await ReadyzAsync(first)).Status);
        await PostWaitingAsync(first.HttpAddress, [2]);
        Assert.Equal(0, await first.SignalAsync("TERM"));

        // The lock goes with the process: the next instance takes the file.
        await using ExporterProcess next = await ExporterProcess.StartAsync(Settings(state));
        Assert.Contains("Restored 2 pending tasks", next.Output);
    }

    [Fact]
    public async Task Sigkill_InTheMiddleOfACheckpointOfHundredsOfThousandsOfTasks_TheLastWholeOneIsLoaded_NothingCountedTwice()
    {
        const int Tasks = 200_000;
        string state = Path.Combine(_dir, "state.json");
        string temporary = state + ".tmp";
        var traces = Enumerable.Range(1, Tasks).ToArray();
        // The checkpoint's own log line (debug) says when one has written every task.
        string[] settings = [.. Settings(state), "--Cpst:Tasks:CheckpointSeconds=2", "--Logging:LogLevel:CpstExporter.Tasks.State.TaskStateFile=Debug"];
        long tornBytes;
        await using (ExporterProcess first = await ExporterProcess.StartAsync(settings))
        {
            foreach (int[] batch in traces.Chunk(4_000)) await PostWaitingAsync(first.HttpAddress, batch);
            await Poll.UntilAsync(() => first.Output.Contains($"Checkpoint: {Tasks} pending tasks written", StringComparison.Ordinal),
                "a checkpoint of every task", TimeSpan.FromSeconds(120));
            long whole = new FileInfo(state).Length;

            // The next checkpoint, caught part-way: its temporary file has some but not all of the tasks.
            await Poll.UntilAsync(() => File.Exists(temporary) && Length(temporary) is > 1 << 20 and var n && n < whole - (1 << 20),
                "a checkpoint to be part-way", TimeSpan.FromSeconds(60));
            await first.SignalAsync("KILL");
            tornBytes = Length(temporary);
            Assert.Equal(whole, new FileInfo(state).Length); // the last whole checkpoint is still in place
        }
        Assert.True(tornBytes > 0, "the kill did not leave a torn checkpoint behind");

        await using ExporterProcess second = await ExporterProcess.StartAsync(settings);
        Assert.True(second.Output.Contains($"Restored {Tasks} pending tasks from {state}; 0 had finished before the restart and were not restored; 0 unusable entries skipped",
            StringComparison.Ordinal), second.Output);
        Assert.Empty(Directory.GetFiles(_dir, "state.json.unreadable-*"));

        foreach (int[] batch in traces.Chunk(20_000)) await PostOutcomesAsync(second.HttpAddress, batch);
        await CountedUntilAsync(second.MetricsAddress, Tasks);
        // Sent again, the spans are duplicates and the outcomes late: nothing is counted twice.
        foreach (int[] batch in traces.Take(8_000).Chunk(4_000)) await PostWaitingAsync(second.HttpAddress, batch);
        await PostOutcomesAsync(second.HttpAddress, traces.Take(1_000));
        string after = await ScrapeAsync(second.MetricsAddress);
        Assert.Equal(Tasks, MetricsText.Sum(after, "cpst_tasks_total"));
        Assert.Equal(Tasks * CostPerTask, MetricsText.Sum(after, "cpst_task_cost_usd_total"));
        Assert.Equal(16_000m, MetricsText.Required(after, "cpst_duplicate_spans_total"));
        Assert.Equal(1_000m, MetricsText.Required(after, "cpst_late_outcomes_total"));
    }

    private static long Length(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Traces of a root and an LLM call, with no outcome: each task waits for one from the outcome API.</summary>
    private static async Task PostWaitingAsync(Uri http, IEnumerable<int> traces)
    {
        var spans = traces.SelectMany(t => new[] { Spans.Root(t), Spans.Llm(t, 2, "gpt-4o", 2000, 100) }).ToArray();
        using var content = new ByteArrayContent(Spans.Request("reviewer", spans).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(http, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task PostOutcomesAsync(Uri http, IEnumerable<int> traces)
    {
        string outcomes = string.Join(',', traces.Select(t => $$"""{"trace_id":"{{Spans.TraceHex(t)}}","outcome":"success"}"""));
        using var content = new StringContent($$"""{"outcomes":[{{outcomes}}]}""", Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(http, "/v1/outcomes"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static Task<string> ScrapeAsync(Uri metrics) => Client.GetStringAsync(new Uri(metrics, "/metrics"));

    private static async Task CountedUntilAsync(Uri metrics, int tasks)
    {
        string text = "";
        try
        {
            await Poll.UntilAsync(async () =>
            {
                text = await ScrapeAsync(metrics);
                return MetricsText.Value(text, $"cpst_tasks_total{{{Success}}}") == tasks &&
                       MetricsText.Value(text, $"cpst_task_cost_usd_total{{{Success}}}") == tasks * CostPerTask;
            }, $"{tasks} tasks to be counted", TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}; last scrape:\n{text}");
        }
    }

    /// <summary>The log reaches the output a moment after the event: waits for it.</summary>
    private static Task LoggedAsync(ExporterProcess exporter, string text) =>
        Poll.UntilAsync(() => exporter.Output.Contains(text, StringComparison.Ordinal), $"'{text}' in the log");

    private static async Task<(HttpStatusCode Status, string Body)> ReadyzAsync(ExporterProcess exporter)
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri(exporter.MetricsAddress, "/readyz"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<string> ReadyzUntilAsync(ExporterProcess exporter, HttpStatusCode wanted, string what)
    {
        string body = "";
        await Poll.UntilAsync(async () =>
        {
            (HttpStatusCode status, body) = await ReadyzAsync(exporter);
            return status == wanted;
        }, $"/readyz to answer {(int)wanted} after {what}", TimeSpan.FromSeconds(30));
        return body;
    }
}
