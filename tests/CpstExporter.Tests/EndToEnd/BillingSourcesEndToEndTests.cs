using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using CpstExporter.Billing;
using CpstExporter.Tests.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// The bill as users bring it, through the running exporter: a gzipped FOCUS export in the watched directory (re-exported
/// with a revised day), OpenAI's costs API polled page by page on a real listener, and traced tasks over OTLP. The billing
/// API must show billed, traced and untraced dollars per provider and day to the cent, the allocation must fold the
/// untraced remainder into the use cases' supporting cost, a revision adding only its difference, and every query of the
/// finance dashboard's billing panels must find the fields its columns select.
/// </summary>
public sealed class BillingSourcesEndToEndTests : IAsyncLifetime
{
    private const string MetricsToken = "billing-sources-test-token-0123456789";
    private const string FocusHeader = "ChargeCategory,ServiceCategory,ServiceName,ProviderName,BilledCost,BillingCurrency,ChargePeriodStart,SubAccountId";
    // 31 October to 1 November, in epoch milliseconds as Grafana sends a time range: 1 November 23:59:59.999 UTC the end.
    private const string From = "1793404800000", To = "1793577599999";

    private static readonly DateTimeOffset Oct31 = new(2026, 10, 31, 18, 0, 0, TimeSpan.Zero), Nov1 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Oct31Day = DateOnly.FromDateTime(Oct31.UtcDateTime), Nov1Day = DateOnly.FromDateTime(Nov1.UtcDateTime);

    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-billing-sources-").FullName;
    private readonly string _key = "sk-admin-" + Guid.NewGuid().ToString("N");
    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly HttpClient _client = new();
    private FakeCostApiServer _openAi = null!;
    private ExporterUnderTest _exporter = null!;

    private string FocusDirectory => Path.Combine(_dir, "focus");
    private string FocusFile => Path.Combine(FocusDirectory, "2026-11", "focus-00001.csv.gz");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(FocusDirectory);
        string keyFile = Path.Combine(_dir, "openai-admin-key");
        File.WriteAllText(keyFile, _key);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead);

        // OpenAI's costs API: two projects on 31 October, one on 1 November, one result a page.
        _openAi = await FakeCostApiServer.StartAsync(BillingSource.OpenAI, _key, _clock);
        _openAi.Lines = [new(Oct31Day, "proj_a", "7.50"), new(Oct31Day, "proj_b", "2.50"), new(Nov1Day, "proj_a", "1.25")];
        _openAi.LinesPerPage = 1;

        WriteFocusExport(bedrockSecondRow: "0.50", writtenAt: new DateTime(2026, 11, 2, 6, 0, 0, DateTimeKind.Utc));

        _exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:Auth:MetricsTokens:0"] = MetricsToken,
            ["Cpst:Billing:Focus:Directory"] = FocusDirectory,
            ["Cpst:Billing:Focus:SettleSeconds"] = "0",
            ["Cpst:Billing:OpenAI:AdminKeyFile"] = keyFile,
            ["Cpst:Billing:OpenAI:BaseUrl"] = _openAi.Address.ToString(),
            ["Cpst:Billing:AllocateUntraced"] = "true",
            ["Cpst:Pricing:ExchangeRates:EUR"] = "1.08",
        }, _clock);
        var (name, value) = InfinityRequests.ProvisionedHeader(MetricsToken);
        _client.DefaultRequestHeaders.TryAddWithoutValidation(name, value);

        // support: $3 with OpenAI and a $0.50 tool call on 31 October. coder: $1 with OpenAI on 31 October, $1.20 on
        // Bedrock on 1 November.
        await OtlpHttpTraces.SendAsync(_exporter.HttpAddress, BillingSpans.Llm(1, 2, "openai", 3.0, Oct31), BillingSpans.Tool(1, 3, 0.5, Oct31),
            BillingSpans.Root(1, "support", Oct31));
        await OtlpHttpTraces.SendAsync(_exporter.HttpAddress, BillingSpans.Llm(2, 2, "openai", 1.0, Oct31),
            BillingSpans.Llm(2, 3, "aws.bedrock", 1.2, Nov1), BillingSpans.Root(2, "coder", Nov1));
        _exporter.Settle();

        // Both sources import at start: the poll's months, and the export.
        BillStore store = _exporter.Services.GetRequiredService<BillStore>();
        await Poll.UntilAsync(() => store.LastImportMs(BillingSource.OpenAI) is not null && store.LastImportMs(BillingSource.Focus) is not null,
            "the first poll and the first scan");
    }

    public async Task DisposeAsync()
    {
        await _exporter.DisposeAsync();
        await _openAi.DisposeAsync();
        _client.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>
    /// A FOCUS export as AWS and Azure cost exports write it, gzipped, with a byte order mark and CRLF line ends. Counted:
    /// Bedrock usage on 1 November (1.00 and <paramref name="bedrockSecondRow"/>) and today (0.10), and Azure OpenAI's
    /// 2.00 EUR on 31 October (a service name with a comma, quoted). Not counted: tax, compute, and OpenAI's usage as a
    /// FinOps tool re-exports it, since OpenAI's own API answers for those days.
    /// </summary>
    private void WriteFocusExport(string bedrockSecondRow, DateTime writtenAt)
    {
        string[] rows =
        [
            FocusHeader,
            "Usage,AI and Machine Learning,Amazon Bedrock,AWS,1.00,USD,2026-11-01T00:00:00Z,123456789012",
            $"Usage,AI and Machine Learning,Amazon Bedrock,AWS,{bedrockSecondRow},USD,2026-11-01T00:00:00Z,123456789012",
            "Usage,AI and Machine Learning,Amazon Bedrock,AWS,0.10,USD,2026-11-02T00:00:00Z,123456789012",
            "Tax,AI and Machine Learning,Amazon Bedrock,AWS,0.15,USD,2026-11-01T00:00:00Z,123456789012",
            "Usage,Compute,Amazon Elastic Compute Cloud,AWS,40.00,USD,2026-11-01T00:00:00Z,123456789012",
            "Usage,AI and Machine Learning,\"Azure OpenAI, Foundry Models\",Microsoft,2.00,EUR,2026-10-31T00:00:00Z,sub-1",
            "Usage,AI and Machine Learning,OpenAI,OpenAI,99.00,USD,2026-10-31T00:00:00Z,finops-export",
        ];
        Directory.CreateDirectory(Path.GetDirectoryName(FocusFile)!);
        string partial = FocusFile + ".part";
        using (var gzip = new GZipStream(File.Create(partial), CompressionLevel.Optimal))
        {
            byte[] text = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(string.Join("\r\n", rows) + "\r\n")).ToArray();
            gzip.Write(text);
        }
        File.SetLastWriteTimeUtc(partial, writtenAt);
        File.Move(partial, FocusFile, overwrite: true); // as a sync tool lands a file: whole, by rename
    }

    private async Task<string[]> BillingRowsAsync(string query)
    {
        using HttpResponseMessage response = await _client.GetAsync(new Uri(_exporter.MetricsAddress, "/api/v1/billing" + query));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return [.. JsonDocument.Parse(body).RootElement.EnumerateArray()
            .Select(r => string.Join(' ', r.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetRawText().Trim('"')}")))];
    }

    private async Task<(string Labels, decimal Value)[]> AllocatedAsync() =>
        [.. MetricsText.Samples(await _exporter.ScrapeAsync(bearer: MetricsToken), "cpst_supporting_cost_usd_total").OrderBy(s => s.Labels, StringComparer.Ordinal)];

    [Fact]
    public async Task ImportedBillAndTracedTasks_BillingApiShowsBilledTracedAndUntracedPerProviderAndDay_ToTheCent()
    {
        Assert.Equal([
            "day=2026-10-31 provider=azure.ai.openai account=null billed_usd=2.16 traced_usd=0 untraced_usd=2.16 coverage=0",
            "day=2026-10-31 provider=openai account=null billed_usd=10 traced_usd=4 untraced_usd=6 coverage=0.4",
            "day=2026-10-31 provider=tools account=null billed_usd=null traced_usd=0.5 untraced_usd=null coverage=null",
            "day=2026-11-01 provider=aws.bedrock account=null billed_usd=1.5 traced_usd=1.2 untraced_usd=0.3 coverage=0.8",
            "day=2026-11-01 provider=openai account=null billed_usd=1.25 traced_usd=0 untraced_usd=1.25 coverage=0",
        ], await BillingRowsAsync($"?from={From}&to={To}"));
        Assert.Equal([
            "day=null provider=aws.bedrock account=123456789012 billed_usd=1.5 traced_usd=null untraced_usd=null coverage=null",
            "day=null provider=azure.ai.openai account=sub-1 billed_usd=2.16 traced_usd=null untraced_usd=null coverage=null",
            "day=null provider=openai account=proj_a billed_usd=8.75 traced_usd=null untraced_usd=null coverage=null",
            "day=null provider=openai account=proj_b billed_usd=2.5 traced_usd=null untraced_usd=null coverage=null",
        ], await BillingRowsAsync($"?from={From}&to={To}&group_by=account"));
        // The API was read page by page, one result a page: October's two, November's one.
        Assert.Equal(3, _openAi.Requests.Count);
    }

    [Fact]
    public async Task ReExportedDay_ReplacesTheFirstExport_AndTheAllocationAccruesOnlyTheDifference()
    {
        BillStore store = _exporter.Services.GetRequiredService<BillStore>();
        var allocation = _exporter.Services.GetRequiredService<UntracedAllocation>();
        allocation.Run();
        // 31 October, OpenAI: $6 untraced, split as traced ($3 support, $1 coder). 1 November, Bedrock (complete: today is
        // billed): $0.30, all coder's. Azure: complete, but no use case traced it, so no one's. 1 November, OpenAI: not
        // complete yet.
        Assert.Equal([
            ("use_case=\"coder\",item=\"untraced_aws.bedrock\"", 0.3m),
            ("use_case=\"coder\",item=\"untraced_openai\"", 1.5m),
            ("use_case=\"support\",item=\"untraced_openai\"", 4.5m),
        ], await AllocatedAsync());

        // The export is re-written with a revised 1 November: the watcher sees it, and the day's bill is replaced.
        long before = store.LastImportMs(BillingSource.Focus)!.Value;
        _clock.Advance(TimeSpan.FromMinutes(1)); // the import time comes from this clock: a new import reads later
        WriteFocusExport(bedrockSecondRow: "0.60", writtenAt: new DateTime(2026, 11, 2, 7, 0, 0, DateTimeKind.Utc));
        await Poll.UntilAsync(() => store.LastImportMs(BillingSource.Focus) > before, "the re-exported file");

        Assert.Contains("day=2026-11-01 provider=aws.bedrock account=null billed_usd=1.6 traced_usd=1.2 untraced_usd=0.4 coverage=0.75",
            await BillingRowsAsync($"?from={From}&to={To}"));
        allocation.Run();
        allocation.Run(); // a second run finds nothing new
        Assert.Equal([
            ("use_case=\"coder\",item=\"untraced_aws.bedrock\"", 0.4m),
            ("use_case=\"coder\",item=\"untraced_openai\"", 1.5m),
            ("use_case=\"support\",item=\"untraced_openai\"", 4.5m),
        ], await AllocatedAsync());
    }

    /// <summary>
    /// Every billing API query of the finance dashboard, as Grafana and Infinity send it with the provisioned header, for
    /// all providers and for one: the rows come back, and every column selects a field of them, of its type.
    /// </summary>
    [Fact]
    public async Task FinanceDashboardBillingQueries_AgainstTheExporter_FindTheFieldsTheirColumnsSelect()
    {
        var queries = InfinityQueries.PanelTargets().Where(q => q.Dashboard == "cpst-finance.json").ToList();
        Assert.True(queries.Count >= 3, $"only {queries.Count} billing API targets on the finance dashboard");
        var failures = new List<string>();
        var empty = new List<string>();
        var rowsByPanel = new Dictionary<string, List<JsonElement>>();
        foreach (string provider in new[] { "*", "aws.bedrock" })
        {
            var variables = new Dictionary<string, string> { ["__from"] = From, ["__to"] = To, ["provider"] = provider };
            foreach (InfinityQueries.Query query in queries)
            {
                List<JsonElement>? rows = await InfinityRequests.RowsAsync(_client, _exporter.MetricsAddress, query, variables, failures, empty);
                rowsByPanel[$"{query.Where.Split(" › ")[1]} ({provider})"] = rows ?? [];
            }
        }
        Assert.True(failures.Count == 0 && empty.Count == 0, string.Join("\n", failures.Concat(empty)));

        // One provider chosen: the panels that filter by it show its rows only.
        Assert.Equal(["2026-11-01"], rowsByPanel["Billed and traced per day: $provider (aws.bedrock)"].Select(r => r.GetProperty("day").GetString()));
        Assert.Equal(["123456789012"], rowsByPanel["Billed per account over the time range (aws.bedrock)"].Select(r => r.GetProperty("account").GetString()));
        Assert.Equal(["aws.bedrock", "azure.ai.openai", "openai", "tools"],
            rowsByPanel["Billed and traced per provider over the time range (*)"].Select(r => r.GetProperty("provider").GetString()));
    }
}
