using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// A bounded soak on loopback: concurrent clients over gRPC, OTLP/HTTP protobuf and JSON and the outcome API, a small
/// ingest gate that refuses some requests (the clients retry, as OTLP exporters do), and a restart in the middle on
/// the same state file. At the end every counter, summed over both instances, equals what was sent.
/// </summary>
/// <remarks>
/// Counters start again at 0 in the second instance; Prometheus's <c>increase()</c> reads the drop as a reset and
/// adds the two runs. The test does the same sum: the first instance's values read in-process after it stopped (what
/// a scrape at the moment of exit would read) plus the second instance's. Tasks still pending when the first
/// instance stopped are counted by the second only, so the sum counts each task exactly once.
/// </remarks>
[Collection(HeavyTests.Name)]
public sealed class SoakTests : IDisposable
{
    private const int Clients = 6;
    private const int TasksPerClient = 100;
    private const int Tasks = Clients * TasksPerClient;
    private const int Lag = 3; // each client finishes task k after starting task k+3, so tasks are pending at any moment
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-soak-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static bool Succeeds(int task) => task % 4 != 0;
    private static bool OutcomeByApi(int task) => task % 5 == 0;
    private static long Input(int task) => 100 + task;
    private static long Output(int task) => 10 + task % 7;

    // gpt-4o-mini: $0.15 / $0.60 per 1M tokens; web_search: $0.01 a call (pricing.yaml).
    private static decimal Cost(int task) => Input(task) * 0.15m / 1_000_000 + Output(task) * 0.60m / 1_000_000 + 0.01m;

    /// <summary>Which instance clients talk to; replaced at the restart, and awaited by clients that found the old one gone.</summary>
    private sealed class Target
    {
        private TaskCompletionSource<ExporterUnderTest> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Target(ExporterUnderTest first) => Current = first;

        public ExporterUnderTest Current { get; private set; }

        public void Replace(ExporterUnderTest next)
        {
            TaskCompletionSource<ExporterUnderTest> waiting = _next;
            _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Current = next;
            waiting.SetResult(next);
        }

        /// <summary>Returns once the instance is no longer <paramref name="failed"/>.</summary>
        public Task WaitPastAsync(ExporterUnderTest failed) => Current != failed ? Task.CompletedTask : _next.Task;
    }

    private sealed class Tally
    {
        public int Sent;
        public int Refused; // UNAVAILABLE / 503 answers the clients saw and retried
    }

    [Fact]
    public async Task ConcurrentClientsWithARestart_CountersSumToWhatWasSent()
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var clock = new FakeTimeProvider(TestClock.Start);
        var settings = new Dictionary<string, string?>
        {
            ["Cpst:Tasks:StateFile"] = Path.Combine(_dir, "state.json"),
            ["Cpst:Limits:MaxConcurrentExports"] = "2",
        };
        ExporterUnderTest first = await ExporterUnderTest.StartAsync(settings, clock);
        ExporterUnderTest? second = null;
        try
        {
            var target = new Target(first);
            var tally = new Tally();
            using var client = new HttpClient();

            Task[] clients = Enumerable.Range(0, Clients).Select(c => Task.Run(() => RunClientAsync(c, client, target, tally, deadline.Token))).ToArray();

            // Time moves while clients send: tasks that have their outcome settle and finish in the first instance.
            await Poll.UntilAsync(() => Volatile.Read(ref tally.Sent) >= Tasks / 4, "a quarter of the requests");
            first.Settle();
            await Poll.UntilAsync(() => Volatile.Read(ref tally.Sent) >= Tasks / 2, "half of the requests");

            // The restart, while the clients keep sending: requests in flight finish, pending tasks go to the state file.
            await first.StopAsync();
            string firstFinal = first.Exposition();
            TaskStateSnapshot saved = JsonSerializer.Deserialize<TaskStateSnapshot>(await File.ReadAllBytesAsync(settings["Cpst:Tasks:StateFile"]!),
                new JsonSerializerOptions { Converters = { new JsonStringEnumConverter() } })!;
            second = await ExporterUnderTest.StartAsync(settings, clock);
            target.Replace(second);

            await Poll.UntilAsync(() => Volatile.Read(ref tally.Sent) >= Tasks * 3 / 4, "three quarters of the requests");
            second.Settle();
            await Task.WhenAll(clients).WaitAsync(deadline.Token);
            second.Settle(); // the last outcomes settle
            string secondFinal = await second.ScrapeAsync();

            Assert.True(saved.Tasks.Count > 0, "no task was pending at the restart, so the restart carried nothing");
            Assert.True(MetricsText.Sum(firstFinal, "cpst_tasks_total") > 0, "no task finished before the restart");

            decimal Both(string metric) => MetricsText.Sum(firstFinal, metric) + MetricsText.Sum(secondFinal, metric);
            decimal BothWhere(string metric, string label) =>
                MetricsText.Samples(firstFinal, metric).Concat(MetricsText.Samples(secondFinal, metric)).Where(s => s.Labels.Contains(label, StringComparison.Ordinal)).Sum(s => s.Value);

            int[] all = Enumerable.Range(0, Tasks).ToArray();
            Assert.Equal(Tasks, Both("cpst_tasks_total"));
            Assert.Equal(all.Count(Succeeds), BothWhere("cpst_tasks_total", "outcome=\"success\""));
            Assert.Equal(all.Count(t => !Succeeds(t)), BothWhere("cpst_tasks_total", "outcome=\"failure\""));
            Assert.Equal(all.Sum(Cost), Both("cpst_task_cost_usd_total"));
            Assert.Equal(all.Where(Succeeds).Sum(Cost), BothWhere("cpst_task_cost_usd_total", "outcome=\"success\""));
            Assert.Equal(all.Sum(Input), BothWhere("cpst_task_tokens_total", "token_type=\"input\""));
            Assert.Equal(Tasks, Both("cpst_task_llm_calls_total"));
            Assert.Equal(Tasks, Both("cpst_task_tool_calls_total"));
            Assert.Equal(Tasks, Both("cpst_llm_calls_total"));
            Assert.Equal(Tasks, Both("cpst_tool_calls_total"));
            Assert.Equal(all.Sum(t => Cost(t) - 0.01m), Both("cpst_llm_cost_usd_total"));
            Assert.Equal(3 * Tasks, Both("cpst_received_spans_total"));
            // Refused while busy, or while the first instance was stopping: the clients retried both.
            Assert.Equal(tally.Refused, BothWhere("cpst_rejected_requests_total", "reason=\"overloaded\"") +
                BothWhere("cpst_rejected_requests_total", "reason=\"shutting_down\""));
            Assert.Equal(tally.Refused, Both("cpst_rejected_requests_total"));
            Assert.Equal(0m, Both("cpst_late_spans_total") + Both("cpst_late_outcomes_total") + Both("cpst_evicted_tasks_total") + Both("cpst_dropped_outcomes_total"));
            Assert.Equal(0m, MetricsText.Required(secondFinal, "cpst_pending_tasks"));
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null) await second.DisposeAsync();
        }
    }

    /// <summary>One client's tasks: part one (the LLM and tool calls), then, <see cref="Lag"/> tasks later, the root with its outcome.</summary>
    private static async Task RunClientAsync(int clientIndex, HttpClient client, Target target, Tally tally, CancellationToken cancel)
    {
        int[] tasks = Enumerable.Range(0, TasksPerClient).Select(k => clientIndex * TasksPerClient + k).ToArray();
        for (int k = 0; k < tasks.Length + Lag; k++)
        {
            if (k < tasks.Length) await SendAsync(client, target, tally, clientIndex, Children(tasks[k]), cancel);
            if (k >= Lag)
            {
                int task = tasks[k - Lag];
                await SendAsync(client, target, tally, clientIndex, Root(task), cancel);
                if (OutcomeByApi(task)) await SendOutcomeAsync(client, target, tally, task, cancel);
            }
        }
    }

    private static global::CpstExporter.Receiving.Otlp.ExportTraceServiceRequest Children(int task) =>
        Spans.Request("soak", Spans.Llm(task + 1, 2, "gpt-4o-mini", Input(task), Output(task)), Spans.Tool(task + 1, 3, "web_search"));

    private static global::CpstExporter.Receiving.Otlp.ExportTraceServiceRequest Root(int task) =>
        OutcomeByApi(task) ? Spans.Request("soak", Spans.Root(task + 1))
            : Spans.Request("soak", Spans.Root(task + 1, Spans.Attr("outcome", Succeeds(task) ? "success" : "failed")));

    /// <summary>
    /// Sends until the request is accepted: UNAVAILABLE / 503 are retried at once (the test has no time to lose), a
    /// connection the stopping instance refused is retried on the next one. A refused or unanswered request was not
    /// processed, so retrying it cannot count twice.
    /// </summary>
    private static async Task SendAsync(HttpClient client, Target target, Tally tally, int clientIndex, global::CpstExporter.Receiving.Otlp.ExportTraceServiceRequest request, CancellationToken cancel)
    {
        byte[] protobuf = request.ToByteArray();
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            ExporterUnderTest exporter = target.Current;
            try
            {
                bool accepted = (clientIndex % 3) switch
                {
                    0 => await GrpcAsync(client, exporter, protobuf, tally),
                    1 => await HttpAsync(client, exporter, new ByteArrayContent(protobuf), "application/x-protobuf", tally),
                    _ => await HttpAsync(client, exporter, new ByteArrayContent(Encoding.UTF8.GetBytes(OtlpJson.From(request))), "application/json", tally),
                };
                if (accepted)
                {
                    Interlocked.Increment(ref tally.Sent);
                    return;
                }
            }
            catch (HttpRequestException)
            {
                await target.WaitPastAsync(exporter).WaitAsync(cancel);
            }
        }
    }

    private static async Task<bool> GrpcAsync(HttpClient client, ExporterUnderTest exporter, byte[] protobuf, Tally tally)
    {
        using HttpResponseMessage response = await GrpcCall.SendAsync(client, exporter.GrpcAddress, protobuf);
        int? status = GrpcCall.Status(response);
        if (status == 14) { Interlocked.Increment(ref tally.Refused); return false; }
        Assert.True(status == 0, $"grpc-status {status}: {GrpcCall.Message(response)}");
        return true;
    }

    private static async Task<bool> HttpAsync(HttpClient client, ExporterUnderTest exporter, ByteArrayContent content, string type, Tally tally)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        using HttpResponseMessage response = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable) { Interlocked.Increment(ref tally.Refused); return false; }
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return true;
    }

    private static async Task SendOutcomeAsync(HttpClient client, Target target, Tally tally, int task, CancellationToken cancel)
    {
        string body = $$"""{"outcomes":[{"trace_id":"{{Spans.TraceHex(task + 1)}}","outcome":"{{(Succeeds(task) ? "success" : "rejected")}}"}]}""";
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            ExporterUnderTest exporter = target.Current;
            try
            {
                using HttpResponseMessage response = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/outcomes"), new StringContent(body, Encoding.UTF8, "application/json"));
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable) { Interlocked.Increment(ref tally.Refused); continue; }
                Assert.Equal("{\"applied\":1,\"unknown\":0,\"late\":0,\"dropped\":0}", await response.Content.ReadAsStringAsync());
                return;
            }
            catch (HttpRequestException)
            {
                await target.WaitPastAsync(exporter).WaitAsync(cancel);
            }
        }
    }
}
