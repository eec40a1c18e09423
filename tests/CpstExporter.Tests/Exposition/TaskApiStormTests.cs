using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using Xunit.Abstractions;

namespace CpstExporter.Tests.Exposition;

/// <summary>
/// Hundreds of task API queries at once, with huge query strings, repeated parameters, absurd time ranges and limits,
/// on the built exporter as a child process: each gets its documented status (200, 400, 414, 431), never a 500, the
/// API's own answers are JSON, exports go on, and the process's memory stays bounded by Kestrel's request limits
/// (docs/operations.md, "Storms"). Memory is the process's resident set, so these run alone.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class TaskApiStormTests(ITestOutputHelper output)
{
    private const int Tasks = 200, Clients = 300, QueriesEach = 3, Exports = 60;

    /// <summary>A query and the statuses it may get; 0 stands for the connection closed by the server after its refusal.</summary>
    private sealed record Case(string Name, string PathAndQuery, int[] Statuses, string? Header = null);

    private static readonly string Hex = string.Concat(Enumerable.Repeat("4bf92f3577b34da6", 440));

    private static readonly Case[] Cases =
    [
        new("plain", "/api/v1/tasks?limit=1000", [200]),
        new("widest epoch range", "/api/v1/tasks?from=0&to=253402300799999", [200]),
        new("years 1 to 9999", "/api/v1/tasks?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z", [200]),
        new("reversed range", "/api/v1/tasks?from=9999-12-31T23:59:59Z&to=0001-01-01T00:00:00Z", [200]),
        new("year 0", "/api/v1/tasks?from=0000-01-01T00:00:00Z", [400]),
        new("past year 9999 in UTC", "/api/v1/tasks?to=9999-12-31T23:59:59-14:00", [400]),
        new("before year 1 in UTC", "/api/v1/tasks?from=0001-01-01T00:00:00%2B14:00", [400]),
        new("epoch past year 9999", "/api/v1/tasks?from=253402300800000", [400]),
        new("epoch past long", "/api/v1/tasks?from=99999999999999999999999999", [400]),
        new("negative epoch", "/api/v1/tasks?from=-1", [400]),
        new("negative limit", "/api/v1/tasks?limit=-1", [400]),
        new("zero limit", "/api/v1/tasks?limit=0", [400]),
        new("limit 2^63", "/api/v1/tasks?limit=9223372036854775808", [400]),
        new("limit 2^64", "/api/v1/tasks?limit=18446744073709551616", [400]),
        new("limit over the maximum", "/api/v1/tasks?limit=1001", [400]),
        new("cost in exponent form", "/api/v1/tasks?min_cost_usd=1e30", [400]),
        new("cost past decimal", "/api/v1/tasks?min_cost_usd=79228162514264337593543950336", [400]),
        new("a parameter 800 times", "/api/v1/tasks?" + string.Join('&', Enumerable.Repeat("model=a", 800)), [400]),
        new("800 unknown parameters", "/api/v1/tasks?" + string.Join('&', Enumerable.Range(0, 800).Select(i => $"p{i}=1")), [400]),
        new("bytes that are not UTF-8", "/api/v1/tasks?use_case=%FF%FE%00", [200]),
        new("a long trace id", "/api/v1/tasks/" + Hex, [400]),
        new("use cases with a parameter", "/api/v1/use_cases?x=1", [400]),
        new("a 9 KB query", "/api/v1/tasks?use_case=" + new string('a', 9 * 1024), [414]),
        new("a 1 MB query", "/api/v1/tasks?use_case=" + new string('a', 1024 * 1024), [414, 0]),
        new("a 40 KB header", "/api/v1/tasks", [431], Header: new string('a', 40 * 1024)),
    ];

    [Fact]
    public async Task TaskApi_HundredsOfConcurrentHostileQueries_DocumentedStatusesNever500AndExportsAnswered()
    {
        await using ExporterProcess exporter = await ExporterProcess.StartAsync("--Cpst:Tasks:SettleSeconds=1");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        for (int first = 1; first <= Tasks; first += 50)
            await ExportAsync(client, exporter, Enumerable.Range(first, 50).SelectMany(TraceOf).ToArray());
        await Poll.UntilAsync(async () => (await RowsAsync(client, exporter)) == Tasks, "the tasks to finish", TimeSpan.FromSeconds(60));

        var quiet = new List<TimeSpan>();
        for (int i = 0; i < 20; i++) quiet.Add(await TimedExportAsync(client, exporter, 9_000 + i));

        long rssBefore = ProcessMemory.ResidentBytes(exporter.Id) ?? 0;
        var stormy = new System.Collections.Concurrent.ConcurrentBag<TimeSpan>();
        using var stop = new CancellationTokenSource();
        Task<long> peak = ProcessMemory.PeakWhileAsync(exporter.Id, stop.Token);
        var exporting = Task.Run(async () =>
        {
            for (int i = 0; i < Exports; i++) stormy.Add(await TimedExportAsync(client, exporter, 10_000 + i));
        });
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var querying = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            for (int i = 0; i < QueriesEach; i++)
            {
                Case query = Cases[(c * QueriesEach + i) % Cases.Length];
                int status = await QueryAsync(client, exporter, query);
                Assert.True(query.Statuses.Contains(status), $"{query.Name}: {status}, expected {string.Join(" or ", query.Statuses)}");
                seen[$"{query.Name}: {status}"] = status;
            }
        })).ToArray();
        await Task.WhenAll([exporting, .. querying]);
        await stop.CancelAsync();
        long rssPeak = await peak;

        foreach (string line in seen.Keys.Order()) output.WriteLine(line);
        output.WriteLine($"RSS {rssBefore / 1024 / 1024} MiB before, {rssPeak / 1024 / 1024} MiB at the peak of {Clients * QueriesEach} queries");
        // Measured, not asserted: how long an export took to be answered, alone and during the storm.
        output.WriteLine($"exports answered in {ScrapeStormTests.Percentiles(quiet)} alone, {ScrapeStormTests.Percentiles(stormy)} during the storm");
        Assert.False(exporter.HasExited, exporter.Output);
        await Poll.UntilAsync(async () => (await RowsAsync(client, exporter)) == Tasks + Exports + 20, "the storm's exports to finish as tasks",
            TimeSpan.FromSeconds(60));
        // Each request holds at most Kestrel's 8 KB request line and 32 KB of headers, and an answer at most 1,000 rows.
        Assert.True(rssPeak - rssBefore < 128L * 1024 * 1024,
            $"RSS grew by {(rssPeak - rssBefore) / 1024 / 1024} MiB during the storm (from {rssBefore / 1024 / 1024} MiB)");
    }

    /// <summary>The status, with the body checked: JSON for the task API's own answers.</summary>
    private static async Task<int> QueryAsync(HttpClient client, ExporterProcess exporter, Case query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(exporter.MetricsAddress, query.PathAndQuery));
        if (query.Header is not null) request.Headers.TryAddWithoutValidation("X-Filler", query.Header);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request);
        }
        catch (HttpRequestException) when (query.Statuses.Contains(0))
        {
            return 0; // refused while the request was still being sent: the server closed the connection
        }
        using (response)
        {
            string body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest or HttpStatusCode.NotFound)
            {
                Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
                using JsonDocument json = JsonDocument.Parse(body); // throws when it is not JSON
                if (response.StatusCode != HttpStatusCode.OK) Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("error").GetString()));
            }
            return (int)response.StatusCode;
        }
    }

    private static async Task<int> RowsAsync(HttpClient client, ExporterProcess exporter)
    {
        string body = await client.GetStringAsync(new Uri(exporter.MetricsAddress, "/api/v1/tasks?limit=1000"));
        using JsonDocument json = JsonDocument.Parse(body);
        return json.RootElement.GetArrayLength();
    }

    private static global::CpstExporter.Receiving.Otlp.Span[] TraceOf(int trace) =>
    [
        Spans.Root(trace, Spans.Attr("cpst.use_case", $"agent-{trace % 7}"), Spans.Attr("outcome", "success")),
        Spans.Llm(trace, 2, "gpt-4o", 1000, 100),
    ];

    private static async Task<TimeSpan> TimedExportAsync(HttpClient client, ExporterProcess exporter, int trace)
    {
        var answered = System.Diagnostics.Stopwatch.StartNew();
        await ExportAsync(client, exporter, TraceOf(trace));
        return answered.Elapsed;
    }

    private static async Task ExportAsync(HttpClient client, ExporterProcess exporter, params global::CpstExporter.Receiving.Otlp.Span[] spans)
    {
        var content = new ByteArrayContent(Spans.Request("agents", spans).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
