using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace CpstExporter.Tests.Configuration;

/// <summary>
/// The settings file (<c>Cpst:SettingsFile</c>) rewritten hundreds of times, alternately with settings A, a file that
/// is not JSON, settings B and a wrong value, in place and by write-then-rename, while scrapes and exports go on: every
/// scrape shows A's or B's target, never none; broken writes are counted; the last good settings stay in force
/// (docs/operations.md, "Storms").
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class SettingsReloadStormTests : IDisposable
{
    private const int Writes = 300, Scrapes = 300;
    private const string Target = "cpst_target_usd{use_case=\"storm\"}";

    private static string Settings(string target) => $$"""{ "Cpst": { "UseCases": { "storm": { "TargetUsd": {{target}} } } } }""";

    private static readonly string SettingsA = Settings("0.25"), SettingsB = Settings("0.5");
    private static readonly string[] Broken = [Settings("0.25")[..30], Settings("\"cheap\""), "", Settings("0.5") + ","];

    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-storm-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string SettingsFile => Path.Combine(_directory, "cpst.json");

    [Fact]
    public async Task SettingsFile_RewrittenValidAndBrokenInPlaceAndByRename_LastGoodSettingsStayAndBrokenWritesCount()
    {
        File.WriteAllText(SettingsFile, SettingsA);
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:SettingsFile"] = SettingsFile });
        using var client = new HttpClient();
        var targets = new System.Collections.Concurrent.ConcurrentBag<decimal?>();
        var writing = Task.Run(async () =>
        {
            // On until the scrapes have seen the settings change a few times (a reload waits 250 ms for writes to settle).
            for (int i = 0; i < Writes || targets.Count < Scrapes; i++)
            {
                string text = (i % 4) switch { 0 => SettingsB, 2 => SettingsA, _ => Broken[i / 4 % Broken.Length] };
                await WriteAsync(text, inPlace: i / 2 % 2 == 0);
            }
        });
        var scraping = Task.Run(async () =>
        {
            int trace = 1;
            while (!writing.IsCompleted)
            {
                targets.Add(MetricsText.Value(await exporter.ScrapeAsync(), Target));
                await ExportAsync(client, exporter, trace++);
            }
        });
        await Task.WhenAll(writing, scraping);

        Assert.NotEmpty(targets);
        Assert.All(targets, target => Assert.True(target is 0.25m or 0.5m, $"a scrape showed the target {target?.ToString() ?? "missing"}"));

        // The storm over, a last good file and a last broken one that is not JSON: the good one stays, the broken one counts.
        await WriteAsync(SettingsB, inPlace: false);
        await Poll.UntilAsync(async () => MetricsText.Value(await exporter.ScrapeAsync(), Target) == 0.5m, "settings B to be in force");
        decimal failures = MetricsText.Required(await exporter.ScrapeAsync(), "cpst_config_reload_failures_total{config=\"use_cases\"}");
        await WriteAsync(Broken[0], inPlace: true);
        await Poll.UntilAsync(async () => MetricsText.Required(await exporter.ScrapeAsync(), "cpst_config_reload_failures_total{config=\"use_cases\"}") > failures,
            "the broken write to be counted");
        Assert.True(failures > 0, "no broken write of the storm was counted");
        Assert.Equal(0.5m, MetricsText.Required(await exporter.ScrapeAsync(), Target));
        await ExportAsync(client, exporter, 1_000_000);
    }

    /// <summary>In place (the file truncated, then written) or written beside it and renamed over it.</summary>
    private async Task WriteAsync(string text, bool inPlace)
    {
        if (inPlace)
        {
            await File.WriteAllTextAsync(SettingsFile, text);
            return;
        }
        string next = SettingsFile + ".next";
        await File.WriteAllTextAsync(next, text);
        File.Move(next, SettingsFile, overwrite: true);
    }

    private static async Task ExportAsync(HttpClient client, ExporterUnderTest exporter, int trace)
    {
        var content = new ByteArrayContent(Spans.Request("storm", Spans.Root(trace), Spans.Llm(trace, 2, "gpt-4o", 1000, 100)).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
