using System.Globalization;
using CpstExporter.Billing;
using CpstExporter.Billing.CostApi;
using CpstExporter.Pricing;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Billing.CostApi;

/// <summary>
/// The cost API pollers against fake OpenAI and Anthropic cost servers on loopback: what a month of pages adds up to,
/// and what each fault does. The clock is fake (2 November 2026, 09:00 UTC: October and 1–2 November are polled), so
/// backoffs and deadlines pass when a test moves it. No test may see the admin key in a log or a failure reason.
/// </summary>
public sealed class CostApiPollerTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-costapi-").FullName;
    private readonly string _key = "sk-admin-" + Guid.NewGuid().ToString("N");
    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly RecordingBillSink _sink = new();
    private readonly CapturedLogs _logs = new();
    private readonly List<FakeCostApiServer> _servers = [];
    private readonly List<CostApiPoller> _pollers = [];

    private string KeyFile => Path.Combine(_directory, "admin-key");

    public Task InitializeAsync()
    {
        WriteKey(_key);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (CostApiPoller poller in _pollers) poller.Dispose();
        foreach (FakeCostApiServer server in _servers) await server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
        // Whatever the test did, the key went nowhere but the provider.
        // Not Assert.DoesNotContain, whose message would show the key.
        Assert.False(_logs.All.Contains(_key, StringComparison.Ordinal), "the admin key is in the log");
        Assert.False(_sink.Failures.Any(f => f.Reason.Contains(_key, StringComparison.Ordinal)), "the admin key is in a failure's reason");
    }

    private void WriteKey(string key, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        File.WriteAllText(KeyFile, key + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(KeyFile, mode);
    }

    private async Task<FakeCostApiServer> ServerAsync(BillingSource api)
    {
        FakeCostApiServer server = await FakeCostApiServer.StartAsync(api, _key, _clock);
        _servers.Add(server);
        return server;
    }

    private CostApiPoller Poller(BillingSource api, FakeCostApiServer server, ExchangeRates? rates = null, double jitter = 0.5)
    {
        ICostApi costApi = api == BillingSource.OpenAI ? new OpenAiCostApi() : new AnthropicCostApi();
        var poller = new CostApiPoller(costApi, new CostApiEndpointOptions(KeyFile, server.Address), TimeSpan.FromMinutes(60), _sink,
            rates ?? ExchangeRates.UsdOnly, _clock, new CostApiRetry(new FixedRandom(jitter)), _logs.For<CostApiPoller>());
        _pollers.Add(poller);
        return poller;
    }

    /// <summary>Runs one poll to its end, moving the clock on a second at a time so that its waits pass.</summary>
    private async Task<bool> PollAsync(CostApiPoller poller, double stepSeconds = 1)
    {
        Task<bool> poll = poller.PollOnceAsync(CancellationToken.None);
        await Poll.UntilAsync(_clock, TimeSpan.FromSeconds(stepSeconds), () => poll.IsCompleted, "the poll to end");
        return await poll;
    }

    /// <summary>A result of <paramref name="dollars"/> as the API writes it: OpenAI's number of dollars, Anthropic's string of cents.</summary>
    private static CostLine Line(BillingSource api, int month, int day, string? account, decimal dollars) =>
        new(new DateOnly(2026, month, day), account, api == BillingSource.OpenAI
            ? dollars.ToString(CultureInfo.InvariantCulture)
            : $"\"{(dollars * 100).ToString(CultureInfo.InvariantCulture)}\"");

    private string OnlyFailure()
    {
        var failure = Assert.Single(_sink.Failures);
        return failure.Reason;
    }

    public static TheoryData<string> Apis => ["openai", "anthropic"];

    /// <summary>Theories name the API by its label value: the enum is internal to the exporter.</summary>
    private static BillingSource Source(string api) => api == "openai" ? BillingSource.OpenAI : BillingSource.Anthropic;

    [Fact]
    public async Task Poll_OpenAiFiftyPages_SumsEachDayAndProjectExactly()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.OpenAI);
        var lines = new List<CostLine>();
        for (int day = 1; day <= 31; day++)
        {
            lines.Add(new(new DateOnly(2026, 10, day), "proj_a", "0.1"));
            lines.Add(new(new DateOnly(2026, 10, day), null, "1e-7"));
            lines.Add(new(new DateOnly(2026, 10, day), "proj_a", "0.2"));
        }
        lines.Add(new(new DateOnly(2026, 10, 31), "proj_b", "12345678.123456789012"));
        lines.Add(new(new DateOnly(2026, 10, 31), "proj_b", "0.000000000001"));
        lines.Add(new(new DateOnly(2026, 10, 31), "proj_b", "1.5E2"));
        lines.Add(new(new DateOnly(2026, 11, 1), "proj_a", "0.06"));
        lines.Add(new(new DateOnly(2026, 11, 1), "proj_a", "0.07"));
        lines.Add(new(new DateOnly(2026, 11, 2), "proj_c", "3"));
        lines.Add(new(new DateOnly(2026, 11, 2), null, "0"));
        lines.Add(new(new DateOnly(2026, 11, 3), "proj_c", "99")); // tomorrow: outside the window asked for
        server.Lines = lines;
        server.LinesPerPage = 2;

        Assert.True(await PollAsync(Poller(BillingSource.OpenAI, server)));

        Assert.Equal(50, server.Requests.Count); // 48 pages of October, 2 of November
        Assert.All(server.Requests, r => Assert.Equal(_key, r.Key));
        CostRequest first = server.Requests[0];
        Assert.Equal("/v1/organization/costs", first.PathAndQuery.Split('?')[0]);
        Assert.Equal(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), first.Query("start_time"));
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), first.Query("end_time"));
        Assert.Equal("31", first.Query("limit"));
        Assert.Null(first.Query("page"));
        Assert.Equal("page_1", server.Requests[1].Query("page"));
        Assert.Equal(new DateTimeOffset(2026, 11, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), server.Requests[48].Query("end_time"));

        Assert.Equal(["2026-10", "2026-11"], _sink.Replaced.Select(s => s.Scope));
        Assert.All(_sink.Replaced, s => Assert.Equal(BillingSource.OpenAI, s.Source));
        BillSnapshot october = _sink.Last("2026-10")!;
        Assert.Equal(63, october.Amounts.Count);
        Assert.All(october.Amounts, a => Assert.Equal("openai", a.Provider));
        Assert.Equal(new BilledAmount(new DateOnly(2026, 10, 1), "openai", "", 0.0000001m), october.Amounts[0]);
        Assert.Equal(new BilledAmount(new DateOnly(2026, 10, 1), "openai", "proj_a", 0.3m), october.Amounts[1]);
        Assert.Equal(new BilledAmount(new DateOnly(2026, 10, 31), "openai", "proj_b", 12345828.123456789013m), october.Amounts[^1]);
        Assert.Equal(12345837.423459889013m, october.Amounts.Sum(a => a.Usd));
        Assert.Equal(
            [new BilledAmount(new DateOnly(2026, 11, 1), "openai", "proj_a", 0.13m), new(new DateOnly(2026, 11, 2), "openai", "", 0m), new(new DateOnly(2026, 11, 2), "openai", "proj_c", 3m)],
            _sink.Last("2026-11")!.Amounts);
        Assert.Empty(_sink.Failures);
    }

    [Fact]
    public async Task Poll_AnthropicPages_ReadsCentsAsDollarsPerWorkspace()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.Anthropic);
        server.Lines =
        [
            new(new DateOnly(2026, 10, 5), "wrkspc_1", "\"123.45\""),
            new(new DateOnly(2026, 10, 5), "wrkspc_1", "\"0.55\""),
            new(new DateOnly(2026, 10, 5), null, "\"123.78912\""),
            new(new DateOnly(2026, 11, 2), "wrkspc_2", "\"100\""),
        ];
        server.LinesPerPage = 1;

        Assert.True(await PollAsync(Poller(BillingSource.Anthropic, server)));

        Assert.Equal(4, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Equal((_key, "2023-06-01"), (r.Key, r.Version)));
        Assert.Equal("/v1/organizations/cost_report", server.Requests[0].PathAndQuery.Split('?')[0]);
        Assert.Equal("2026-10-01T00:00:00Z", server.Requests[0].Query("starting_at"));
        Assert.Equal("2026-11-01T00:00:00Z", server.Requests[0].Query("ending_at"));
        Assert.Equal("2026-11-03T00:00:00Z", server.Requests[3].Query("ending_at"));
        Assert.Equal(
            [new BilledAmount(new DateOnly(2026, 10, 5), "anthropic", "", 1.2378912m), new(new DateOnly(2026, 10, 5), "anthropic", "wrkspc_1", 1.24m)],
            _sink.Last("2026-10")!.Amounts);
        Assert.Equal([new BilledAmount(new DateOnly(2026, 11, 2), "anthropic", "wrkspc_2", 1m)], _sink.Last("2026-11")!.Amounts);
        Assert.All(_sink.Replaced, s => Assert.Equal(BillingSource.Anthropic, s.Source));
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task Poll_EmptyMonths_ReplaceWithNothing(string apiName)
    {
        BillingSource api = Source(apiName);
        FakeCostApiServer server = await ServerAsync(api);

        Assert.True(await PollAsync(Poller(api, server)));

        Assert.Equal(["2026-10", "2026-11"], _sink.Replaced.Select(s => s.Scope));
        Assert.All(_sink.Replaced, s => Assert.Empty(s.Amounts));
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task Poll_Unauthorized_FailsAtOnceNamingTheKeyFile(string apiName)
    {
        BillingSource api = Source(apiName);
        FakeCostApiServer server = await ServerAsync(api);
        server.Key = "sk-admin-another";

        Assert.False(await PollAsync(Poller(api, server)));

        Assert.Single(server.Requests); // no retry
        Assert.Empty(_sink.Replaced);
        Assert.Equal(api, Assert.Single(_sink.Failures).Source);
        Assert.Contains("401", OnlyFailure());
        var logged = Assert.Single(_logs.Entries, e => e.Event.Id == 542);
        Assert.Contains(KeyFile, logged.Text);
    }

    [Fact]
    public async Task Poll_Forbidden_FailsAtOnce()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.OpenAI);
        server.Fault(CostFault.Status(403));

        Assert.False(await PollAsync(Poller(BillingSource.OpenAI, server)));

        Assert.Single(server.Requests);
        Assert.Contains("403", OnlyFailure());
        Assert.Single(_logs.Entries, e => e.Event.Id == 542);
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task Poll_TooManyRequestsWithRetryAfterSeconds_WaitsThatLong(string apiName)
    {
        BillingSource api = Source(apiName);
        FakeCostApiServer server = await ServerAsync(api);
        server.Lines = [Line(api, 10, 3, "a", 2.5m)];
        server.Fault(CostFault.Status(429, retryAfter: "120"));

        Assert.True(await PollAsync(Poller(api, server)));

        IReadOnlyList<CostRequest> requests = server.Requests;
        Assert.Equal(3, requests.Count); // the refused one, October again, November
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(120), $"asked again after {requests[1].At - requests[0].At}");
        Assert.Contains(_logs.Entries, e => e.Event.Id == 543 && e.Text.Contains("asking again in 120 s", StringComparison.Ordinal));
        Assert.Equal(2.5m, Assert.Single(_sink.Last("2026-10")!.Amounts).Usd);
        Assert.Empty(_sink.Failures);
    }

    [Fact]
    public async Task Poll_TooManyRequestsWithRetryAfterDate_WaitsUntilThen()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.OpenAI);
        server.Fault(CostFault.TooManyUntil(_clock, 90));

        Assert.True(await PollAsync(Poller(BillingSource.OpenAI, server)));

        IReadOnlyList<CostRequest> requests = server.Requests;
        Assert.Equal(3, requests.Count);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(90), $"asked again after {requests[1].At - requests[0].At}");
    }

    [Fact]
    public async Task Poll_TooManyRequestsWithoutRetryAfter_BacksOffExponentiallyWithJitter()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.OpenAI);
        server.Fault(CostFault.Status(429), CostFault.Status(429), CostFault.Status(429));

        // Every draw half the ceiling: 1 s, 2 s, 4 s.
        Assert.True(await PollAsync(Poller(BillingSource.OpenAI, server, jitter: 0.5), stepSeconds: 0.25));

        IReadOnlyList<CostRequest> requests = server.Requests;
        Assert.Equal(5, requests.Count);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(1));
        Assert.True(requests[2].At - requests[1].At >= TimeSpan.FromSeconds(2));
        Assert.True(requests[3].At - requests[2].At >= TimeSpan.FromSeconds(4));
        string[] waits = [.. _logs.Entries.Where(e => e.Event.Id == 543).Select(e => e.Text)];
        Assert.Equal(3, waits.Length);
        Assert.Contains("asking again in 1 s (retry 1 of at most 8", waits[0]);
        Assert.Contains("asking again in 2 s (retry 2", waits[1]);
        Assert.Contains("asking again in 4 s (retry 3", waits[2]);
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task Poll_ServerErrorThenSuccess_Imports(string apiName)
    {
        BillingSource api = Source(apiName);
        FakeCostApiServer server = await ServerAsync(api);
        server.Lines = [Line(api, 11, 1, "a", 0.01m), Line(api, 11, 1, "a", 0.02m)];
        server.Fault(CostFault.Status(500), CostFault.Status(503));

        Assert.True(await PollAsync(Poller(api, server)));

        Assert.Equal(4, server.Requests.Count);
        Assert.Equal(0.03m, Assert.Single(_sink.Last("2026-11")!.Amounts).Usd);
        Assert.Empty(_sink.Failures);
    }

    [Fact]
    public async Task Poll_ServerErrorsPersist_GivesUpAfterTheRetriesOfAPoll()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.Anthropic);
        server.Always = CostFault.Status(502);

        Assert.False(await PollAsync(Poller(BillingSource.Anthropic, server, jitter: 1), stepSeconds: 10));

        Assert.Equal(1 + CostApiRetry.MaxRetriesPerPoll, server.Requests.Count);
        Assert.Contains("502", OnlyFailure());
        Assert.Contains("gave up after 8 retries", OnlyFailure());
        Assert.Empty(_sink.Replaced);
    }

    [Fact]
    public async Task Poll_RetryAfterBeyondTheLongestWait_FailsThePoll()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.OpenAI);
        server.Fault(CostFault.Status(429, retryAfter: "3600"));

        Assert.False(await PollAsync(Poller(BillingSource.OpenAI, server)));

        Assert.Single(server.Requests);
        Assert.Contains("longer than 5 minutes", OnlyFailure());
    }

    [Fact]
    public async Task Poll_SlowTrickle_FailsAtEachRequestsDeadline()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.OpenAI);
        server.Always = CostFault.Trickle();

        // No backoff (every draw 0): each attempt lasts its 60 s and no more.
        Assert.False(await PollAsync(Poller(BillingSource.OpenAI, server, jitter: 0), stepSeconds: 5));

        Assert.Equal(1 + CostApiRetry.MaxRetriesPerPoll, server.Requests.Count);
        Assert.Contains("did not answer within 60 s", OnlyFailure());
        Assert.Empty(_sink.Replaced);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "openai", "{\"data\":[" },
        { "openai", "<html>Bad gateway</html>" },
        { "openai", """{"object":"page","data":[]}""" }, // no has_more: not an empty bill
        { "openai", """{"object":"page","data":null,"has_more":false}""" },
        { "openai", """{"data":[],"has_more":true,"next_page":null}""" },
        { "openai", """{"data":[{"start_time":1793491200,"results":[{"object":"organization.costs.result","project_id":"p"}]}],"has_more":false}""" },
        { "openai", """{"data":[{"start_time":1793491200,"results":[{"amount":{"value":null,"currency":"usd"}}]}],"has_more":false}""" },
        { "openai", """{"data":[{"start_time":1793491200,"results":[{"amount":{"value":1e400,"currency":"usd"}}]}],"has_more":false}""" },
        { "anthropic", """{"data":[{"starting_at":"yesterday","results":[]}],"has_more":false}""" },
        { "anthropic", """{"data":[],"has_more":false,"has_more":true,"next_page":"page_1"}""" },
        { "anthropic", """{"error":{"type":"api_error","message":"Internal"}}""" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Poll_MalformedPage_FailsAndReplacesNothing(string apiName, string body)
    {
        BillingSource api = Source(apiName);
        FakeCostApiServer server = await ServerAsync(api);
        server.Lines = [Line(api, 11, 2, "a", 1m)];
        // October reads well; November's page is broken: neither month is replaced.
        server.Fault(CostFault.Body("""{"data":[],"has_more":false,"next_page":null}"""), CostFault.Body(body));

        Assert.False(await PollAsync(Poller(api, server)));

        Assert.Equal(2, server.Requests.Count); // a broken page is not asked again
        Assert.Empty(_sink.Replaced);
        Assert.Equal(api, Assert.Single(_sink.Failures).Source);
        Assert.Single(_logs.Entries, e => e.Event.Id == 541);
    }

    public static TheoryData<string, string, string> BadAmounts => new()
    {
        { "openai", "-0.01", "negative" },
        { "openai", "\"0.06\"", "not the documented shape" }, // a string where OpenAI sends a number
        { "openai", "true", "not the documented shape" },
        { "anthropic", "\"-1\"", "not a decimal number of 0 or more" },
        { "anthropic", "\"12,50\"", "not a decimal number of 0 or more" },
        { "anthropic", "\"1e3\"", "not a decimal number of 0 or more" },
        { "anthropic", "\"NaN\"", "not a decimal number of 0 or more" },
        { "anthropic", "\"\"", "not a decimal number of 0 or more" },
        { "anthropic", "123.45", "not the documented shape" }, // a number where Anthropic sends a string
    };

    [Theory]
    [MemberData(nameof(BadAmounts))]
    public async Task Poll_BadAmount_FailsAsMalformed(string apiName, string amount, string reason)
    {
        BillingSource api = Source(apiName);
        FakeCostApiServer server = await ServerAsync(api);
        server.Lines = [Line(api, 10, 1, "a", 1m), new(new DateOnly(2026, 10, 2), "a", amount)];

        Assert.False(await PollAsync(Poller(api, server)));

        Assert.Contains(reason, OnlyFailure());
        Assert.Empty(_sink.Replaced);
    }

    [Fact]
    public async Task Poll_OtherCurrency_IsConvertedWithTheExchangeRate()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.OpenAI);
        server.Lines = [new(new DateOnly(2026, 10, 1), "p", "10.00", Currency: "eur"), new(new DateOnly(2026, 10, 1), "p", "1", Currency: "usd")];

        Assert.True(await PollAsync(Poller(BillingSource.OpenAI, server, new ExchangeRates(new Dictionary<string, decimal> { ["EUR"] = 1.08m }))));

        Assert.Equal(11.8m, Assert.Single(_sink.Last("2026-10")!.Amounts).Usd);
    }

    [Theory]
    [InlineData("openai", "10.00", "Cpst:Pricing:ExchangeRates:EUR")]
    [InlineData("anthropic", "\"1000\"", "cents of USD only")]
    public async Task Poll_CurrencyWithoutRate_Fails(string apiName, string amount, string reason)
    {
        BillingSource api = Source(apiName);
        FakeCostApiServer server = await ServerAsync(api);
        server.Lines = [new(new DateOnly(2026, 10, 1), "p", amount, Currency: "EUR")];

        Assert.False(await PollAsync(Poller(api, server)));

        Assert.Contains(reason, OnlyFailure());
    }

    [Fact]
    public async Task Poll_MorePagesThanTheBound_Fails()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.OpenAI);
        server.Lines = [.. Enumerable.Range(0, CostApiPoller.MaxPagesPerMonth + 1).Select(i => new CostLine(new DateOnly(2026, 10, 1 + i % 31), "p", "1"))];
        server.LinesPerPage = 1;

        Assert.False(await PollAsync(Poller(BillingSource.OpenAI, server)));

        Assert.Equal(CostApiPoller.MaxPagesPerMonth, server.Requests.Count);
        Assert.Contains("more than 100 pages for 2026-10", OnlyFailure());
        Assert.Empty(_sink.Replaced);
    }

    [Fact]
    public async Task Poll_PageLargerThanTheLimit_Fails()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.Anthropic);
        server.Fault(CostFault.Large(CostApiPoller.MaxPageBytes + 1));

        Assert.False(await PollAsync(Poller(BillingSource.Anthropic, server)));

        Assert.Contains("larger than 8 MiB", OnlyFailure());
    }

    [Fact]
    public async Task Poll_FailsAfterASuccess_KeepsTheLastGoodFigures()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.OpenAI);
        server.Lines = [Line(BillingSource.OpenAI, 10, 9, "p", 4m)];
        CostApiPoller poller = Poller(BillingSource.OpenAI, server);
        Assert.True(await PollAsync(poller));

        server.Always = CostFault.Status(404);
        Assert.False(await PollAsync(poller));

        Assert.Equal(2, _sink.Replaced.Length); // the first poll's two months, nothing since
        Assert.Empty(_sink.Removed);
        Assert.Contains("404", OnlyFailure());
    }

    [Fact]
    public async Task Poll_ErrorBodyEchoesTheKey_TheKeyStaysOutOfLogAndReason()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.OpenAI);
        server.Fault(CostFault.Status(400, body: $$$"""{"error":{"message":"bad request with key {{{_key}}}"}}"""));

        Assert.False(await PollAsync(Poller(BillingSource.OpenAI, server)));

        Assert.Contains("400", OnlyFailure()); // and DisposeAsync finds the key nowhere
    }

    [Fact]
    public async Task Poll_KeyFileReplaced_UsesTheNewKeyAtTheNextPoll()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.Anthropic);
        CostApiPoller poller = Poller(BillingSource.Anthropic, server);
        Assert.True(await PollAsync(poller));

        string rotated = "sk-ant-admin01-" + Guid.NewGuid().ToString("N");
        server.Key = rotated;
        WriteKey(rotated);
        Assert.True(await PollAsync(poller));

        Assert.Equal(rotated, server.Requests[^1].Key);
        Assert.Empty(_sink.Failures);
        Assert.False(_logs.All.Contains(rotated, StringComparison.Ordinal), "the new admin key is in the log");
    }

    [Fact]
    public async Task Poll_KeyFileMissing_FailsWithoutAsking()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.OpenAI);
        File.Delete(KeyFile);

        Assert.False(await PollAsync(Poller(BillingSource.OpenAI, server)));

        Assert.Empty(server.Requests);
        Assert.Contains($"admin key file {KeyFile} does not exist", OnlyFailure());
    }

    [Fact]
    public async Task Poll_KeyFileReadableByEveryone_FailsWithoutAsking()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.Anthropic);
        WriteKey(_key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead); // 0644

        Assert.False(await PollAsync(Poller(BillingSource.Anthropic, server)));

        Assert.Empty(server.Requests);
        Assert.Contains("readable by every user (mode 0644)", OnlyFailure());
    }

    [Fact]
    public async Task Execute_PollsAtStartAndEveryInterval()
    {
        FakeCostApiServer server = await ServerAsync(BillingSource.OpenAI);
        CostApiPoller poller = Poller(BillingSource.OpenAI, server);

        await poller.StartAsync(CancellationToken.None);
        await Poll.UntilAsync(() => _sink.Replaced.Length == 2, "the poll at start");
        _clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(2, _sink.Replaced.Length);
        await Poll.UntilAsync(_clock, TimeSpan.FromSeconds(30), () => _sink.Replaced.Length == 4, "the poll an hour later");
        await poller.StopAsync(CancellationToken.None);

        Assert.Equal(4, server.Requests.Count);
    }
}
