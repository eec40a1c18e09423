using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// SIGTERM under load, against the built exporter as a real process: every task whose export was answered with success
/// is either in the old instance's last answered scrape or counted by the next instance, never both and never neither,
/// to the last cent (docs/operations.md, "Signals, the state file and checkpoints").
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class ShutdownTests : IDisposable
{
    private const int Senders = 32;
    private const int TracesPerExport = 40;
    private const int AcceptedBeforeSigterm = 30_000;

    /// <summary>As Prometheus would scrape; the drain below covers it, as Cpst:Shutdown:DrainSeconds must.</summary>
    private static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(1);

    // gpt-4o: $2.50 per 1M input tokens, $10 per 1M output tokens (pricing.yaml); 2,000 in and 100 out.
    private const decimal CostPerTask = 0.006m;

    private static readonly HttpClient Client = new(new SocketsHttpHandler { MaxConnectionsPerServer = Senders + 4 }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-shutdown-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Sigterm_DozensOfExportsInFlight_EveryAcceptedTaskIsScrapedFromTheOldInstanceOrCountedByTheNext()
    {
        string state = Path.Combine(_dir, "state.json");
        // Tasks settle a second after their spans, so at SIGTERM many have finished (and been scraped) and many are
        // pending; checkpoints every second put pending tasks on disk that then finish, so the journal takes part.
        string[] settings = [$"--Cpst:Tasks:StateFile={state}", "--Cpst:Tasks:SettleSeconds=1", "--Cpst:Tasks:CheckpointSeconds=1"];

        long accepted = 0, refused = 0;
        int nextTrace = 0;
        decimal lastScraped = 0, lastScrapedCost = 0;
        int scrapesAfterSigterm = 0;
        bool sigterm = false;
        string firstLog;
        await using (ExporterProcess first = await ExporterProcess.StartAsync([.. settings, "--Cpst:Shutdown:DrainSeconds=3"]))
        {
            using var stop = new CancellationTokenSource();
            // Half the senders over OTLP/HTTP, half over OTLP/gRPC.
            Task[] senders = Enumerable.Range(0, Senders).Select(sender => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    int from = Interlocked.Add(ref nextTrace, TracesPerExport) - TracesPerExport + 1;
                    switch (sender % 2 == 0 ? await ExportAsync(first.HttpAddress, from) : await ExportGrpcAsync(first.GrpcAddress, from))
                    {
                        case HttpStatusCode.OK: Interlocked.Add(ref accepted, TracesPerExport); break;
                        case HttpStatusCode.ServiceUnavailable: Interlocked.Increment(ref refused); break;
                        case null: return; // the listener closed: the process is exiting
                        case var other: throw new Xunit.Sdk.XunitException($"export answered {other}");
                    }
                }
            })).ToArray();
            Task scraper = Task.Run(async () =>
            {
                while (true)
                {
                    string text;
                    try
                    {
                        text = await Client.GetStringAsync(new Uri(first.MetricsAddress, "/metrics"));
                    }
                    catch (HttpRequestException)
                    {
                        if (first.HasExited) return;
                        continue;
                    }
                    lastScraped = MetricsText.Sum(text, "cpst_tasks_total");
                    lastScrapedCost = MetricsText.Sum(text, "cpst_task_cost_usd_total");
                    if (Volatile.Read(ref sigterm)) scrapesAfterSigterm++;
                    await Task.Delay(ScrapeInterval);
                }
            });

            await Poll.UntilAsync(() => Interlocked.Read(ref accepted) >= AcceptedBeforeSigterm && lastScraped > 0,
                "exports to be accepted and tasks to finish", TimeSpan.FromSeconds(120));
            Volatile.Write(ref sigterm, true);
            Assert.Equal(0, await first.SignalAsync("TERM"));
            stop.Cancel();
            await Task.WhenAll(senders);
            await scraper;
            firstLog = first.Output;
        }
        Assert.True(scrapesAfterSigterm > 0, "no scrape was answered during the drain");
        Assert.True(lastScraped < accepted, $"every one of the {accepted} tasks had finished before SIGTERM: nothing was pending to save");

        await using ExporterProcess second = await ExporterProcess.StartAsync(settings);
        string after = "";
        await Poll.UntilAsync(async () =>
        {
            after = await Client.GetStringAsync(new Uri(second.MetricsAddress, "/metrics"));
            return MetricsText.Required(after, "cpst_pending_tasks") == 0 && MetricsText.Sum(after, "cpst_tasks_total") + lastScraped >= accepted;
        }, "the saved tasks to finish in the next instance", TimeSpan.FromSeconds(60));
        // Anything counted twice would show as more; anything lost, as less.
        Assert.Equal(accepted, lastScraped + MetricsText.Sum(after, "cpst_tasks_total"));
        Assert.Equal(accepted * CostPerTask, lastScrapedCost + MetricsText.Sum(after, "cpst_task_cost_usd_total"));
        Assert.Equal(0, await second.SignalAsync("TERM"));
        Assert.Contains("exports are refused and tasks no longer finish", firstLog);
    }

    /// <summary>One export of <see cref="TracesPerExport"/> traces from <paramref name="from"/> on, each a root with its outcome and one call.</summary>
    private static byte[] Export(int from)
    {
        var spans = Enumerable.Range(from, TracesPerExport)
            .SelectMany(t => new[] { Spans.Root(t, Spans.Attr("outcome", "success")), Spans.Llm(t, 2, "gpt-4o", 2000, 100) }).ToArray();
        return Spans.Request("reviewer", spans).ToByteArray();
    }

    /// <summary>The export over OTLP/HTTP; null when the connection failed.</summary>
    private static async Task<HttpStatusCode?> ExportAsync(Uri http, int from)
    {
        using var content = new ByteArrayContent(Export(from));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        try
        {
            using HttpResponseMessage response = await Client.PostAsync(new Uri(http, "/v1/traces"), content);
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The export over OTLP/gRPC, its status as OTLP/HTTP would answer it (OK, 503 for UNAVAILABLE); null when the connection failed.</summary>
    private static async Task<HttpStatusCode?> ExportGrpcAsync(Uri grpc, int from)
    {
        try
        {
            using HttpResponseMessage response = await GrpcCall.SendAsync(Client, grpc, Export(from));
            return GrpcCall.Status(response) switch
            {
                0 => HttpStatusCode.OK,
                14 => HttpStatusCode.ServiceUnavailable,
                var status => throw new Xunit.Sdk.XunitException($"gRPC export answered grpc-status {status} {GrpcCall.Message(response)}"),
            };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }
}
