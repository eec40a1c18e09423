using System.Globalization;

namespace CpstExporter.LoadGen.Bench;

/// <summary>
/// Runs the phases in the order their figures need: memory per pending task first, on a fresh exporter; then
/// throughput and CPU at full load; the in-process parse that CPU is compared with; and last the scrape of 10,000
/// series. Prints a table and writes the JSON.
/// </summary>
internal static class BenchRunner
{
    private const int Seed = 4317;

    public static async Task<int> RunAsync(BenchOptions options, TextWriter log, CancellationToken stop)
    {
        using var scraper = new MetricsScraper(options.Metrics);
        try
        {
            await scraper.ScrapeAsync(stop).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException($"cannot scrape {options.Metrics}: {e.Message}. Start the exporter first (BENCHMARKS.md)", e);
        }

        var payloads = new BenchPayloads(Seed);
        IReadOnlyList<PayloadTemplate> templates = Enumerable.Range(0, 8).Select(_ => payloads.Throughput(options.BatchSpans)).ToArray();
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench: {options.Endpoint}, {options.Connections} connections, {templates[0].Spans} spans ({templates[0].Tasks} tasks) and {templates[0].Message.Length / 1024} KiB per request, {Environment.ProcessorCount} cores"));

        double pendingBytes = await new PendingMemoryPhase(options, scraper, log).RunAsync(payloads, stop).ConfigureAwait(false);
        var (spansPerSecond, serverCpu, p99) = await new ThroughputPhase(options, scraper, log).RunAsync(templates, stop).ConfigureAwait(false);
        double decodeCpu = new DecodePhase(log).Run(templates);
        double scrapeMs = await new ScrapePhase(options, scraper, log).RunAsync(payloads, stop).ConfigureAwait(false);

        var result = new BenchResult
        {
            SpansPerSecond = spansPerSecond,
            ServerCpuUsPerSpan = serverCpu,
            DecodeCpuUsPerSpan = decodeCpu,
            ExportP99Ms = p99,
            PendingTaskBytes = pendingBytes,
            ScrapeMs10kSeries = scrapeMs,
        };
        log.WriteLine();
        result.WriteTable(log);
        if (options.JsonPath is not null)
        {
            await File.WriteAllBytesAsync(options.JsonPath, result.ToJson(), stop).ConfigureAwait(false);
            log.WriteLine($"bench: wrote {options.JsonPath}");
        }
        return 0;
    }

    /// <summary>Waits until the exporter's pending tasks are back to <paramref name="pending"/> (tasks sent since have settled).</summary>
    public static async Task WaitForPendingAsync(MetricsScraper scraper, double pending, TextWriter log, CancellationToken stop)
    {
        for (int i = 0; i < 120; i++)
        {
            if ((await scraper.ScrapeAsync(stop).ConfigureAwait(false)).Sum("cpst_pending_tasks") <= pending) return;
            await Task.Delay(500, stop).ConfigureAwait(false);
        }
        log.WriteLine("bench: tasks did not settle within a minute; is Cpst:Tasks:SettleSeconds at its default of 5?");
    }
}
