using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CpstExporter.Pricing;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace CpstExporter.Tests.Pricing;

/// <summary>
/// The price file rewritten hundreds of times a second, alternately with table A, a broken file, table B and another broken
/// file, in place and by write-then-rename, while the file is looked at as fast as it can be and exports flow: every
/// call is priced by one whole table, A or B, never by parts of both and never unpriced; broken files are counted;
/// the last good table stays in force (docs/operations.md, "Storms").
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class PriceReloadStormTests : IDisposable
{
    private const int Writes = 400, Exports = 150;

    // A call of 1,000 input and 1,000 output tokens costs 0.011 at A and 0.010 at B; A's input with B's output would be
    // 0.008, B's input with A's output 0.013, and an unpriced call 0: each way of mixing shows in the task's cost.
    private const string TableA = "models:\n  - { name: storm-model, input: 1.00, output: 10.00 }\n";
    private const string TableB = "models:\n  - { name: storm-model, input: 3.00, output: 7.0 }\n";
    private const decimal CostA = 0.011m, CostB = 0.010m;

    private static readonly string[] Broken =
    [
        "models:\n  - { name: storm-model, input: 1.0", // cut off
        "models:\n  - { name: storm-model, input: 1.00.0, output: 10.00 }\n", // not a number
        "models:\n  - { name: storm-model, input: -3.0, output: 7.00 }\n", // a negative price
    ];

    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-storm-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PriceFile => Path.Combine(_directory, "pricing.yaml");

    [Fact]
    public async Task PriceFile_RewrittenValidAndBrokenInPlaceAndByRename_EveryCallPricedByOneWholeTable()
    {
        File.WriteAllText(PriceFile, TableA);
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:PricingFile"] = PriceFile });
        var prices = exporter.Services.GetRequiredService<PriceTableProvider>();
        using var client = new HttpClient();
        using var stop = new CancellationTokenSource();
        int reloads = 0;
        // The service's own poll runs on its clock, which this test does not move: this loop stands in for it, a look
        // every few milliseconds where the service looks every 2 s.
        var polling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (prices.CheckForChanges()) reloads++;
                await Task.Delay(3);
            }
        });
        var exporting = Task.Run(async () =>
        {
            for (int i = 1; i <= Exports; i++) await ExportAsync(client, exporter, i);
        });
        var writing = Task.Run(async () =>
        {
            for (int i = 0; i < Writes || !exporting.IsCompleted; i++)
            {
                string text = (i % 4) switch { 0 => TableB, 2 => TableA, _ => Broken[i / 4 % Broken.Length] };
                await WriteAsync(text, inPlace: i / 2 % 2 == 0);
                await Task.Delay(1); // hundreds of writes a second, with gaps a look can fall into
            }
        });
        await Task.WhenAll(writing, exporting);

        // The storm over, a last good table and a last broken write: the good one stays.
        await WriteAsync(TableA, inPlace: false);
        string versionA = PriceFileReader.Version(TableA);
        await Poll.UntilAsync(() => prices.Current.Version == versionA, "table A to be in force");
        long failures = prices.ReloadFailures;
        await WriteAsync(Broken[0], inPlace: true);
        await Poll.UntilAsync(() => prices.ReloadFailures > failures, "the broken write to be counted");
        await stop.CancelAsync();
        await polling;
        Assert.Equal(versionA, prices.Current.Version);
        await ExportAsync(client, exporter, Exports + 1);
        exporter.Settle();

        decimal[] costs = await CostsAsync(client, exporter);
        Assert.Equal(Exports + 1, costs.Length);
        Assert.All(costs, cost => Assert.True(cost is CostA or CostB, $"a call cost {cost}: neither table A's {CostA} nor B's {CostB}"));
        Assert.True(reloads > 1, $"{reloads} tables went live during the storm");
        string metrics = await exporter.ScrapeAsync();
        Assert.True(MetricsText.Required(metrics, "cpst_config_reload_failures_total{config=\"pricing\"}") > failures);
        Assert.Contains($"cpst_pricing_info{{version=\"{versionA}\"}} 1", metrics);
    }

    /// <summary>In place (the file truncated, then written) or written beside it and renamed over it.</summary>
    private async Task WriteAsync(string text, bool inPlace)
    {
        if (inPlace)
        {
            await File.WriteAllTextAsync(PriceFile, text);
            return;
        }
        string next = PriceFile + ".next";
        await File.WriteAllTextAsync(next, text);
        File.Move(next, PriceFile, overwrite: true);
    }

    private static async Task ExportAsync(HttpClient client, ExporterUnderTest exporter, int trace)
    {
        var content = new ByteArrayContent(Spans.Request("storm", Spans.Root(trace, Spans.Attr("outcome", "success")), Spans.Llm(trace, 2, "storm-model", 1000, 1000)).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<decimal[]> CostsAsync(HttpClient client, ExporterUnderTest exporter)
    {
        using JsonDocument json = JsonDocument.Parse(await client.GetStringAsync(new Uri(exporter.MetricsAddress, "/api/v1/tasks?limit=1000")));
        return json.RootElement.EnumerateArray().Select(task => task.GetProperty("cost_usd").GetDecimal()).ToArray();
    }
}
