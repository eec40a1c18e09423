using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CpstExporter.Billing;
using CpstExporter.Receiving.Otlp;
using CpstExporter.Tasks.State;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Traced tasks through OTLP and a bill handed to the exporter's <see cref="IBillSink"/>, as a bill source hands it: the
/// billing API, the billing metrics and the allocated untraced spend, to the cent; the ledger agreeing with the per-call
/// metrics; and the ledger across restarts and a crash, nothing lost and nothing counted twice.
/// </summary>
public sealed class BillingEndToEndTests : IDisposable
{
    private static readonly HttpClient Client = new();
    // The tests' clock reads 2 November 2026, 09:00 UTC.
    private static readonly DateTimeOffset Oct31 = new(2026, 10, 31, 18, 0, 0, TimeSpan.Zero), Nov1 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Oct31Day = DateOnly.FromDateTime(Oct31.UtcDateTime), Nov1Day = DateOnly.FromDateTime(Nov1.UtcDateTime);

    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-billing-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StatePath => Path.Combine(_dir, "state.json");

    private static Task SendAsync(ExporterUnderTest exporter, params Span[] spans) => OtlpHttpTraces.SendAsync(exporter.HttpAddress, spans);

    private static async Task<JsonElement> BillingAsync(ExporterUnderTest exporter, string query)
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri(exporter.MetricsAddress, "/api/v1/billing" + query));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Each row as text, with its fields as the API wrote them: the numbers exactly as sent.</summary>
    private static string[] Rows(JsonElement rows) =>
        [.. rows.EnumerateArray().Select(r => string.Join(' ', r.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetRawText().Trim('"')}")))];

    /// <summary>
    /// support: $3 with OpenAI and a $0.50 tool call on 31 October; coder: $1 with OpenAI on 31 October and $2 with
    /// Anthropic on 1 November.
    /// </summary>
    private static async Task SendTasksAsync(ExporterUnderTest exporter)
    {
        await SendAsync(exporter, BillingSpans.Llm(1, 2, "openai", 3.0, Oct31), BillingSpans.Tool(1, 3, 0.5, Oct31), BillingSpans.Root(1, "support", Oct31));
        await SendAsync(exporter, BillingSpans.Llm(2, 2, "openai", 1.0, Oct31), BillingSpans.Llm(2, 3, "anthropic", 2.0, Nov1),
            BillingSpans.Root(2, "coder", Nov1));
        exporter.Settle();
    }

    /// <summary>OpenAI billed $10 on 31 October (two projects) and $1.25 on 1 November; Anthropic $2.50 on 1 November and $0.10 so far today.</summary>
    private static void ImportBill(ExporterUnderTest exporter)
    {
        var sink = exporter.Services.GetRequiredService<IBillSink>();
        sink.Replace(new BillSnapshot(BillingSource.OpenAI, "2026-10",
            [new(Oct31Day, "openai", "proj_a", 7.50m), new(Oct31Day, "openai", "proj_b", 2.50m)]));
        sink.Replace(new BillSnapshot(BillingSource.OpenAI, "2026-11", [new(Nov1Day, "openai", "proj_a", 1.25m)]));
        sink.Replace(new BillSnapshot(BillingSource.Anthropic, "2026-11",
            [new(Nov1Day, "anthropic", "default", 2.50m), new(Nov1Day.AddDays(1), "anthropic", "default", 0.10m)]));
    }

    [Fact]
    public async Task Billing_TracedTasksAndAnImportedBill_TheApiShowsCoverageAndUntracedToTheCent()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        await SendTasksAsync(exporter);
        ImportBill(exporter);
        const string range = "?from=2026-10-31T00:00:00Z&to=1793577599999"; // to: 1 November 23:59:59.999 UTC, in epoch ms

        Assert.Equal([
            "day=2026-10-31 provider=openai account=null billed_usd=10 traced_usd=4 untraced_usd=6 coverage=0.4",
            "day=2026-10-31 provider=tools account=null billed_usd=null traced_usd=0.5 untraced_usd=null coverage=null",
            "day=2026-11-01 provider=anthropic account=null billed_usd=2.5 traced_usd=2 untraced_usd=0.5 coverage=0.8",
            "day=2026-11-01 provider=openai account=null billed_usd=1.25 traced_usd=0 untraced_usd=1.25 coverage=0",
        ], Rows(await BillingAsync(exporter, range)));
        Assert.Equal([
            "day=null provider=anthropic account=null billed_usd=2.5 traced_usd=2 untraced_usd=0.5 coverage=0.8",
            "day=null provider=openai account=null billed_usd=11.25 traced_usd=4 untraced_usd=7.25 coverage=0.355556",
            "day=null provider=tools account=null billed_usd=null traced_usd=0.5 untraced_usd=null coverage=null",
        ], Rows(await BillingAsync(exporter, range + "&group_by=provider")));
        Assert.Equal([
            "day=null provider=openai account=proj_a billed_usd=8.75 traced_usd=null untraced_usd=null coverage=null",
            "day=null provider=openai account=proj_b billed_usd=2.5 traced_usd=null untraced_usd=null coverage=null",
        ], Rows(await BillingAsync(exporter, range + "&group_by=account&provider=openai")));
        // Without a range: the kept months to today, so today's partial bill too.
        Assert.Contains("day=2026-11-02 provider=anthropic account=null billed_usd=0.1 traced_usd=0 untraced_usd=0.1 coverage=0",
            Rows(await BillingAsync(exporter, "")));
    }

    [Fact]
    public async Task Metrics_ImportedBill_BilledAndTracedOnTheLastBilledDay_AndCoverage()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        string before = await exporter.ScrapeAsync();
        Assert.DoesNotContain("cpst_billed_cost", before); // no bill, no billing families
        Assert.DoesNotContain("cpst_billing_", before);
        await SendTasksAsync(exporter);
        ImportBill(exporter);
        long imported = exporter.Clock.GetUtcNow().ToUnixTimeSeconds();
        exporter.Services.GetRequiredService<IBillSink>().Failed(BillingSource.Focus, "no such directory");

        string scrape = await exporter.ScrapeAsync();
        // The last billed day is 1 November for both: today's partial day of Anthropic is not one.
        Assert.Equal(1.25m, MetricsText.Required(scrape, "cpst_billed_cost_last_day_usd{provider=\"openai\",account=\"proj_a\"}"));
        Assert.Equal(2.5m, MetricsText.Required(scrape, "cpst_billed_cost_last_day_usd{provider=\"anthropic\",account=\"default\"}"));
        long nov1 = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        Assert.Equal(nov1, MetricsText.Required(scrape, "cpst_billing_last_billed_day_timestamp_seconds{provider=\"openai\"}"));
        Assert.Equal(nov1, MetricsText.Required(scrape, "cpst_billing_last_billed_day_timestamp_seconds{provider=\"anthropic\"}"));
        Assert.Equal(2m, MetricsText.Required(scrape, "cpst_traced_cost_last_day_usd{provider=\"anthropic\"}"));
        Assert.Equal(0m, MetricsText.Required(scrape, "cpst_traced_cost_last_day_usd{provider=\"openai\"}"));
        Assert.Equal(0.8m, MetricsText.Required(scrape, "cpst_billing_coverage_ratio{provider=\"anthropic\"}"));
        Assert.Equal(0m, MetricsText.Required(scrape, "cpst_billing_coverage_ratio{provider=\"openai\"}"));
        Assert.Equal(2.6m, MetricsText.Required(scrape, "cpst_billed_cost_month_to_date_usd{provider=\"anthropic\",account=\"default\"}"));
        Assert.Equal(1.25m, MetricsText.Required(scrape, "cpst_billed_cost_month_to_date_usd{provider=\"openai\",account=\"proj_a\"}"));
        Assert.Null(MetricsText.Value(scrape, "cpst_billed_cost_month_to_date_usd{provider=\"openai\",account=\"proj_b\"}")); // October only
        Assert.Equal(imported, MetricsText.Required(scrape, "cpst_billing_last_import_timestamp_seconds{source=\"openai\"}"));
        Assert.Null(MetricsText.Value(scrape, "cpst_billing_last_import_timestamp_seconds{source=\"focus\"}"));
        Assert.Equal(1m, MetricsText.Required(scrape, "cpst_billing_import_failures_total{source=\"focus\"}"));
        Assert.Equal(0m, MetricsText.Required(scrape, "cpst_billing_import_failures_total{source=\"openai\"}"));
    }

    [Fact]
    public async Task AllocateUntraced_CompleteDays_SupportingCostSeriesAreTheUntracedSharesExactly()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Billing:AllocateUntraced"] = "true" });
        await SendTasksAsync(exporter);
        ImportBill(exporter);

        exporter.Services.GetRequiredService<UntracedAllocation>().Run();

        string scrape = await exporter.ScrapeAsync();
        // 31 October, OpenAI: $6 untraced, support traced $3 of $4, coder $1. 1 November, Anthropic (complete: today is
        // billed): $0.50, all coder's. 1 November, OpenAI: the latest billed day and one day old, not complete yet.
        Assert.Equal([
            ("use_case=\"coder\",item=\"untraced_anthropic\"", 0.5m),
            ("use_case=\"coder\",item=\"untraced_openai\"", 1.5m),
            ("use_case=\"support\",item=\"untraced_openai\"", 4.5m),
        ], MetricsText.Samples(scrape, "cpst_supporting_cost_usd_total").OrderBy(s => s.Labels, StringComparer.Ordinal));
    }

    /// <summary>
    /// Calls counted at once, held until their root (two days: never merged into one group), and a late span of a
    /// finished task: the ledger and the per-call cost counters agree to the last digit, day by day.
    /// </summary>
    [Fact]
    public async Task Ledger_AgreesWithTheLlmAndToolCostCounters_HeldAndLateCallsIncluded()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        await SendAsync(exporter, BillingSpans.Llm(1, 2, "openai", 0.1, Oct31), BillingSpans.Tool(1, 3, 0.003, Oct31), BillingSpans.Root(1, "support", Oct31));
        // Held: the root comes in a later request. Alike but for their day.
        await SendAsync(exporter, BillingSpans.Llm(2, 2, "openai", 0.2, Oct31), BillingSpans.Llm(2, 3, "openai", 0.2, Nov1),
            BillingSpans.Tool(2, 4, 0.007, Nov1));
        await SendAsync(exporter, BillingSpans.Root(2, "coder", Nov1));
        exporter.Settle();
        await SendAsync(exporter, BillingSpans.Llm(1, 9, "anthropic", 0.333333333333, Nov1)); // late: task 1 finished

        string scrape = await exporter.ScrapeAsync();
        decimal counters = MetricsText.Sum(scrape, "cpst_llm_cost_usd_total") + MetricsText.Sum(scrape, "cpst_tool_cost_usd_total");
        var ledger = exporter.Services.GetRequiredService<TracedCostLedger>().Lines().ToDictionary();

        Assert.Equal(counters, ledger.Values.Sum());
        Assert.Equal(0.843333333333m, counters);
        Assert.Equal(new Dictionary<LedgerKey, decimal>
        {
            [new(Oct31Day, "openai", "support")] = 0.1m,
            [new(Oct31Day, TracedCostLedger.ToolsProvider, "support")] = 0.003m,
            [new(Oct31Day, "openai", "coder")] = 0.2m,
            [new(Nov1Day, "openai", "coder")] = 0.2m,
            [new(Nov1Day, TracedCostLedger.ToolsProvider, "coder")] = 0.007m,
            [new(Nov1Day, "anthropic", "support")] = 0.333333333333m,
        }, ledger);
    }

    [Fact]
    public async Task Restart_LedgerAndHeldCalls_NothingLostNothingTwice()
    {
        var settings = new Dictionary<string, string?> { ["Cpst:Tasks:StateFile"] = StatePath };
        var clock = new FakeTimeProvider(TestClock.Start);
        KeyValuePair<LedgerKey, decimal>[] before;
        await using (var first = await ExporterUnderTest.StartAsync(settings, clock))
        {
            await SendTasksAsync(first);
            await SendAsync(first, BillingSpans.Llm(3, 2, "openai", 0.25, Oct31)); // held: its root has not come
            before = first.Services.GetRequiredService<TracedCostLedger>().Lines();
        }

        await using var second = await ExporterUnderTest.StartAsync(settings, clock);
        var ledger = second.Services.GetRequiredService<TracedCostLedger>();
        Assert.Equal(before.OrderBy(l => l.Key.ToString()), ledger.Lines().OrderBy(l => l.Key.ToString()));
        await SendAsync(second, BillingSpans.Root(3, "support", Oct31));
        second.Settle();

        Assert.Equal(3.25m, ledger.Lines().ToDictionary()[new(Oct31Day, "openai", "support")]);
        Assert.Equal(6.75m, ledger.Lines().Sum(l => l.Value));
    }

    /// <summary>
    /// A task holds calls at a checkpoint; after it, its root arrives and they are counted into the ledger; then a kill.
    /// The file has the task with its held calls and a ledger without them: after the restart they count once.
    /// </summary>
    [Fact]
    public async Task Crash_HeldCallsCountedAfterTheCheckpoint_CountOnceAfterTheRestart()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        string killed = Path.Combine(_dir, "killed");
        await using (var running = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Tasks:StateFile"] = StatePath }, clock))
        {
            await SendAsync(running, BillingSpans.Llm(1, 2, "openai", 1.0, Oct31), BillingSpans.Root(1, "support", Oct31)); // counted
            await SendAsync(running, BillingSpans.Llm(2, 2, "openai", 0.5, Oct31)); // held
            running.Services.GetRequiredService<TaskStateFile>().Checkpoint();
            await SendAsync(running, BillingSpans.Root(2, "support", Oct31)); // counts the held call: the ledger has $1.50 now
            Assert.Equal(1.5m, running.Services.GetRequiredService<TracedCostLedger>().Lines().Sum(l => l.Value));

            Directory.CreateDirectory(killed);
            foreach (string file in Directory.GetFiles(_dir, "state.json*").Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
                File.Copy(file, Path.Combine(killed, Path.GetFileName(file)));
        }

        await using var restarted = await ExporterUnderTest.StartAsync(
            new Dictionary<string, string?> { ["Cpst:Tasks:StateFile"] = Path.Combine(killed, "state.json") }, clock);
        var ledger = restarted.Services.GetRequiredService<TracedCostLedger>();
        Assert.Equal(1m, ledger.Lines().Sum(l => l.Value)); // as the checkpoint left it
        await SendAsync(restarted, BillingSpans.Root(2, "support", Oct31)); // the client retries what the crash lost
        restarted.Settle();

        Assert.Equal(1.5m, ledger.Lines().Sum(l => l.Value));
    }

    /// <summary>With checkpoints on, an allocation accrues once a checkpoint holding it is saved, and a restart never allocates it again.</summary>
    [Fact]
    public async Task AllocateUntraced_AccruesWhenSaved_AndARestartDoesNotAllocateAgain()
    {
        var settings = new Dictionary<string, string?> { ["Cpst:Tasks:StateFile"] = StatePath, ["Cpst:Billing:AllocateUntraced"] = "true" };
        var clock = new FakeTimeProvider(TestClock.Start);
        await using (var first = await ExporterUnderTest.StartAsync(settings, clock))
        {
            await SendTasksAsync(first);
            ImportBill(first);
            first.Services.GetRequiredService<UntracedAllocation>().Run();
            Assert.Empty(MetricsText.Samples(await first.ScrapeAsync(), "cpst_supporting_cost_usd_total"));

            first.Services.GetRequiredService<TaskStateFile>().Checkpoint();
            Assert.Equal(6.5m, MetricsText.Sum(await first.ScrapeAsync(), "cpst_supporting_cost_usd_total"));
        }

        await using var second = await ExporterUnderTest.StartAsync(settings, clock);
        ImportBill(second); // the sources poll again at start
        second.Services.GetRequiredService<UntracedAllocation>().Run();
        second.Services.GetRequiredService<TaskStateFile>().Checkpoint();

        Assert.Empty(MetricsText.Samples(await second.ScrapeAsync(), "cpst_supporting_cost_usd_total"));
    }
}
