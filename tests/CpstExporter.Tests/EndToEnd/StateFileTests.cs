using System.Net;
using System.Net.Http.Headers;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>Pending tasks survive a restart through <c>Cpst:Tasks:StateFile</c>; a corrupt file never stops the start.</summary>
public sealed class StateFileTests : IDisposable
{
    private static readonly HttpClient Client = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-state-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StatePath => Path.Combine(_dir, "state.json");

    private Dictionary<string, string?> Settings => new() { ["Cpst:Tasks:StateFile"] = StatePath };

    private static async Task PostAsync(ExporterUnderTest exporter, byte[] trace)
    {
        using var content = new ByteArrayContent(trace);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        (await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content)).EnsureSuccessStatusCode();
    }

    private static byte[] Waiting(int trace) => Spans.Request("reviewer", Spans.Root(trace), Spans.Llm(trace, 2, "gpt-4o", 2000, 100)).ToByteArray();

    private static async Task<string> PostOutcomeAsync(ExporterUnderTest exporter, int trace, string outcome = "success")
    {
        using var content = new StringContent($$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(trace)}}","outcome":"{{outcome}}"}]}""", System.Text.Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/outcomes"), content);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<(HttpStatusCode Status, string Body)> ReadyzAsync(ExporterUnderTest exporter)
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri(exporter.MetricsAddress, "/readyz"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// What a SIGKILL now would leave on disk: the state file and the journal, copied to <paramref name="directory"/>
    /// (the lock file goes with the process: its lock is held, so it cannot be copied, and a kill releases it).
    /// </summary>
    private string CopyAsAKillWouldLeaveIt(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (string file in Directory.GetFiles(_dir, "state.json*").Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        return Path.Combine(directory, "state.json");
    }

    private const string Success = "use_case=\"reviewer\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"";

    [Fact]
    public async Task Restart_PendingTaskWaitingForOutcome_IsCountedAfterRestart()
    {
        await using (var first = await ExporterUnderTest.StartAsync(Settings))
        {
            await PostAsync(first, Waiting(21));
            Assert.Equal(1, first.Tasks.PendingCount);
        }
        Assert.True(File.Exists(StatePath), "the state file was not written on shutdown");

        await using var second = await ExporterUnderTest.StartAsync(Settings);
        Assert.Equal(1, second.Tasks.PendingCount);
        second.Settle(seconds: 901); // the outcome window passes without an outcome
        Assert.Equal(0.006m, MetricsText.Required(await second.ScrapeAsync(),
            "cpst_task_cost_usd_total{use_case=\"reviewer\",outcome=\"unknown\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"}"));
    }

    [Fact]
    public async Task Restart_EveryFieldOfAPendingTask_RoundTrips()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        TaskStateSnapshot saved;
        await using (var first = await ExporterUnderTest.StartAsync(Settings, clock))
        {
            await PostAsync(first, Spans.Request([Spans.Attr("service.name", "svc"), Spans.Attr("deployment.environment.name", "prod")],
                Spans.Root(22, Spans.Attr("cpst.use_case", "triage"), Spans.Attr("cpst.variant", "b"), Spans.Attr("outcome", "failed")),
                Spans.Llm(22, 2, "gpt-4o", 1000, 10), Spans.Llm(22, 3, "gpt-4o-mini", 10, 1), Spans.Tool(22, 4, "web_search")).ToByteArray());
            await PostAsync(first, Waiting(23));
            saved = first.Tasks.Snapshot();
        }

        await using var second = await ExporterUnderTest.StartAsync(Settings, clock);
        TaskStateSnapshot restored = second.Tasks.Snapshot();

        Assert.Equal(2, restored.Tasks.Count);
        Assert.Equal(Describe(saved), Describe(restored));
    }

    private static string Describe(TaskStateSnapshot snapshot) =>
        System.Text.Json.JsonSerializer.Serialize(snapshot.Tasks.OrderBy(t => t.TraceId).Select(t => t with { Models = t.Models!.OrderBy(m => m.Model).ToList() }));

    [Fact]
    public async Task Stop_UploadStillBeingReceived_IsRefusedRetryably_AndNothingOfItIsSaved()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(Settings);
        var held = new HeldContent(Waiting(24), firstPart: 7);
        held.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        // With Expect: 100-continue the client sends the body only once the server asked for it by starting to read
        // it: when the first part is sent, the request is being received by the server.
        using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(5) });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(exporter.HttpAddress, "/v1/traces")) { Content = held };
        request.Headers.ExpectContinue = true;
        Task<HttpResponseMessage> sending = client.SendAsync(request);
        await held.FirstPartSent;

        Task stopping = exporter.StopAsync();
        await Poll.UntilAsync(() => exporter.Gate.IsClosed, "shutdown to close the gate");
        held.Release();
        using HttpResponseMessage response = await sending;
        await stopping;

        // Not accepted, so not lost: the client retries, as OTLP says for 503 (another replica, or this one restarted).
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("1", response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain(Spans.TraceHex(24), await File.ReadAllTextAsync(StatePath));
        Assert.Equal(1m, MetricsText.Value(exporter.Exposition(), "cpst_rejected_requests_total{reason=\"shutting_down\"}"));
    }

    [Fact]
    public async Task Stop_ExportBeingProcessed_IsWaitedFor_BeforeTheStateFileIsWritten()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(Settings);
        await PostAsync(exporter, Waiting(25));
        Assert.True(exporter.Gate.TryEnter()); // an export admitted and still being processed

        Task stopping = exporter.StopAsync();
        await Poll.UntilAsync(() => exporter.Gate.IsClosed, "shutdown to close the gate");
        (HttpStatusCode status, string body) = await ReadyzAsync(exporter);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "not ready: stopping\n"), (status, body));
        Assert.False(stopping.IsCompleted);
        Assert.False(File.Exists(StatePath), "the state file was written while an export was still being processed");

        exporter.Gate.Exit();
        await stopping;
        Assert.Contains(Spans.TraceHex(25), await File.ReadAllTextAsync(StatePath));
    }

    [Fact]
    public async Task Checkpoint_WritesPendingTasksWhileRunning_AndACrashRestartRestoresThem()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        string crashed = Path.Combine(_dir, "crashed.json");
        await using (var running = await ExporterUnderTest.StartAsync(Settings, clock))
        {
            await PostAsync(running, Waiting(25));
            running.Services.GetRequiredService<TaskStateFile>().Checkpoint();
            await PostAsync(running, Waiting(26)); // after the checkpoint: what a crash now would lose

            // What a SIGKILL now leaves on disk: the last checkpoint.
            File.Copy(StatePath, crashed);
            Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
        }

        await using var restarted = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Tasks:StateFile"] = crashed }, clock);
        Assert.Equal([Spans.TraceHex(25)], restarted.Tasks.Snapshot().Tasks.Select(t => t.TraceId));
    }

    [Fact]
    public async Task Crash_TaskFinishedAfterTheCheckpoint_IsNotCountedAgain_AndAnOutcomeFromBeforeItIsKept()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        string crashed;
        await using (var running = await ExporterUnderTest.StartAsync(Settings, clock))
        {
            await PostAsync(running, Waiting(40));
            await PostAsync(running, Waiting(41));
            Assert.Contains("\"applied\":1", await PostOutcomeAsync(running, 40));
            Assert.Contains("\"applied\":1", await PostOutcomeAsync(running, 41));
            running.Services.GetRequiredService<TaskStateFile>().Checkpoint();

            // After the checkpoint: 41 has a span (so it settles later), then 40 settles and is counted.
            clock.AdvanceSeconds(4);
            await PostAsync(running, Spans.Request("reviewer", Spans.Child(41, 3)).ToByteArray());
            running.Settle(seconds: 2);
            Assert.Equal(1m, MetricsText.Required(await running.ScrapeAsync(), $"cpst_tasks_total{{{Success}}}"));
            Assert.Equal(1, running.Tasks.PendingCount);

            crashed = CopyAsAKillWouldLeaveIt(Path.Combine(_dir, "killed"));
        }

        await using var restarted = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Tasks:StateFile"] = crashed }, clock);
        Assert.Equal([Spans.TraceHex(41)], restarted.Tasks.Snapshot().Tasks.Select(t => t.TraceId));
        Assert.Contains("\"late\":1", await PostOutcomeAsync(restarted, 40, "failure")); // remembered as finished
        restarted.Settle();
        string after = await restarted.ScrapeAsync();
        Assert.Equal(1m, MetricsText.Sum(after, "cpst_tasks_total")); // 41 only: 40 was counted before the crash
        Assert.Equal(1m, MetricsText.Required(after, $"cpst_tasks_total{{{Success}}}")); // with the outcome it had before the checkpoint
    }

    [Fact]
    public async Task Checkpoint_DiskFull_IsCountedAndReadyzSaysSoUntilALaterCheckpointSucceeds()
    {
        if (!File.Exists("/dev/full")) return; // Linux: a device on which every write fails with ENOSPC
        await using var exporter = await ExporterUnderTest.StartAsync(Settings);
        var stateFile = exporter.Services.GetRequiredService<TaskStateFile>();
        await PostAsync(exporter, Waiting(42));
        Assert.Equal(HttpStatusCode.OK, (await ReadyzAsync(exporter)).Status);

        File.CreateSymbolicLink(StatePath + ".tmp", "/dev/full"); // the temporary file the checkpoint writes
        stateFile.Checkpoint();

        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_state_save_failures_total"));
        var (status, body) = await ReadyzAsync(exporter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("checkpoint of the state file failed", body);
        Assert.DoesNotContain(_dir, body); // /readyz is open to anyone: the path is in the log only

        stateFile.Checkpoint(); // the disk has room again
        Assert.Equal(HttpStatusCode.OK, (await ReadyzAsync(exporter)).Status);
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_state_save_failures_total"));
        Assert.Contains(Spans.TraceHex(42), await File.ReadAllTextAsync(StatePath));
    }

    [Fact]
    public async Task Checkpoints_FailingOneAfterAnother_TheLoopGoesOnAndReadyzRecoversWhenOneSucceeds()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:Tasks:StateFile"] = StatePath,
            ["Cpst:Tasks:CheckpointSeconds"] = "1",
        });
        Directory.CreateDirectory(StatePath + ".tmp"); // the temporary file cannot be made, checkpoint after checkpoint

        await Poll.UntilAsync(exporter.Clock, TimeSpan.FromSeconds(1), () => exporter.Services.GetRequiredService<TaskStateFile>().SaveFailures >= 2, "two checkpoints to fail");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await ReadyzAsync(exporter)).Status);

        Directory.Delete(StatePath + ".tmp");
        await Poll.UntilAsync(exporter.Clock, TimeSpan.FromSeconds(1), async () => (await ReadyzAsync(exporter)).Status == HttpStatusCode.OK,
            "a checkpoint to succeed");
        await PostAsync(exporter, Waiting(43));
        Assert.Equal(1, exporter.Tasks.PendingCount);
    }

    [Fact]
    public async Task Checkpoint_StateFileDirectoryRemoved_LogsAndKeepsServing()
    {
        string nested = Path.Combine(_dir, "nested");
        Directory.CreateDirectory(nested);
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Tasks:StateFile"] = Path.Combine(nested, "state.json") });
        Directory.Delete(nested, recursive: true); // with the journal segment the running service has open

        exporter.Services.GetRequiredService<TaskStateFile>().Checkpoint();
        await PostAsync(exporter, Waiting(27));

        Assert.Equal(1, exporter.Tasks.PendingCount);
        Assert.Equal(1, exporter.Services.GetRequiredService<TaskStateFile>().SaveFailures);
    }

    public static TheoryData<string, string> CorruptFiles => new()
    {
        { "not JSON", "{ not json" },
        { "empty", "" },
        { "truncated", "{\"Version\":1,\"Tasks\":[{\"TraceId\":\"00000001000000000000000000000a\"," },
        { "unknown version", "{\"Version\":99,\"Tasks\":[],\"HeldOutcomes\":[]}" },
        { "JSON null", "null" },
        { "wrong shape", "[1,2,3]" },
        { "missing lists", "{\"Version\":1}" },
        { "bad enum", "{\"Version\":1,\"Tasks\":[],\"HeldOutcomes\":[{\"TraceId\":\"0000000100000000000000000000000a\",\"Outcome\":\"Maybe\",\"ExpiresMs\":1}]}" },
        { "binary", "\u0000\u0001\u0002\u00ff" },
    };

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public async Task Start_CorruptStateFile_IsMovedAsideAndServiceStarts(string what, string content)
    {
        await File.WriteAllTextAsync(StatePath, content);

        await using var exporter = await ExporterUnderTest.StartAsync(Settings);

        Assert.True(exporter.Tasks.PendingCount == 0, what);
        Assert.False(File.Exists(StatePath));
        Assert.Single(Directory.GetFiles(_dir, "state.json.unreadable-*"));
        await PostAsync(exporter, Waiting(28)); // and it serves
        Assert.Equal(1, exporter.Tasks.PendingCount);
    }

    public static TheoryData<string, string, int> OddButReadableFiles => new()
    {
        { "a null task", "{\"Version\":1,\"Tasks\":[null],\"HeldOutcomes\":[null]}", 0 },
        { "a task without models", "{\"Version\":1,\"Tasks\":[{\"TraceId\":\"0000000100000000000000000000000a\",\"FirstSeenMs\":1,\"LastActivityMs\":1,\"Models\":null}],\"HeldOutcomes\":[]}", 1 },
        { "a task without a trace id", "{\"Version\":2,\"Tasks\":[{\"FirstSeenMs\":1}],\"HeldOutcomes\":[]}", 0 },
        { "null spans and held calls", "{\"Version\":2,\"Tasks\":[{\"TraceId\":\"0000000200000000000000000000000a\",\"Spans\":[null],\"HeldCalls\":[null]}],\"HeldOutcomes\":[]}", 1 },
    };

    [Theory]
    [MemberData(nameof(OddButReadableFiles))]
    public async Task Start_StateFileWithNullOrMissingParts_LoadsWhatIsThereAndServes(string what, string content, int pending)
    {
        await File.WriteAllTextAsync(StatePath, content);

        await using var exporter = await ExporterUnderTest.StartAsync(Settings);

        Assert.True(exporter.Tasks.PendingCount == pending, what);
        await PostAsync(exporter, Waiting(29));
        Assert.Equal(pending + 1, exporter.Tasks.PendingCount);
        exporter.Settle(seconds: 901);
        Assert.Equal(0, exporter.Tasks.PendingCount);
    }
}
