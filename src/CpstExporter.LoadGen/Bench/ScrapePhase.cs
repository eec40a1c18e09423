using System.Globalization;

namespace CpstExporter.LoadGen.Bench;

/// <summary>
/// Time to serve <c>/metrics</c> at <see cref="BenchOptions.Series"/> series, counted as Prometheus counts them (one
/// per sample line). Series are made by finishing one task per new (use case, model) pair, which adds task, cost
/// histogram and LLM call series. More label sets than the default <c>Cpst:Limits:MaxSeriesPerMetric</c> of 2,000 may
/// be needed per metric family; past the limit they fold into <c>__overflow__</c> and the count stops growing, so the
/// bench configuration raises it. Scrapes ask for OpenMetrics, as Prometheus does, so exemplars are written too.
/// </summary>
internal sealed class ScrapePhase(BenchOptions options, MetricsScraper scraper, TextWriter log)
{
    private const int WarmupScrapes = 20, TimedScrapes = 100, PairsPerRequest = 500;

    // Priced models of the shipped price table: each use case calls all of them.
    private static readonly string[] Models =
        ["gpt-5.4-mini", "gpt-5.4-nano", "gpt-5-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4o", "gpt-4o-mini", "o4-mini", "claude-haiku-4-5", "claude-sonnet-4-6"];

    public async Task<double> RunAsync(BenchPayloads payloads, CancellationToken stop)
    {
        MetricsSnapshot now = await scraper.ScrapeAsync(stop).ConfigureAwait(false);
        double overflowBefore = now.Sum("cpst_series_overflow_total");
        int useCases = 0;
        using var client = new GrpcExportClient(options.Endpoint);
        for (int round = 0; now.SampleCount < options.Series && round < 10; round++)
        {
            // About 13 series per (use case, model) pair and 19 more per use case; aim a little short and loop.
            int missing = options.Series - now.SampleCount;
            int newUseCases = Math.Max(1, missing / (13 * Models.Length + 19));
            var pairs = Enumerable.Range(useCases, newUseCases)
                .SelectMany(u => Models.Select(m => (string.Create(CultureInfo.InvariantCulture, $"bench-{u:D5}"), m)))
                .ToList();
            useCases += newUseCases;
            double pending = now.Sum("cpst_pending_tasks");
            foreach (var chunk in pairs.Chunk(PairsPerRequest))
            {
                byte[] message = payloads.Series(chunk);
                byte[] frame = new byte[PayloadTemplate.FramePrefix + message.Length];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
                message.CopyTo(frame, PayloadTemplate.FramePrefix);
                (int status, string? error) = await client.ExportAsync(frame, stop).ConfigureAwait(false);
                if (status != 0) throw new InvalidOperationException($"the exporter refused the series request: gRPC status {status}: {error}");
            }
            // Task series appear when the tasks settle.
            await BenchRunner.WaitForPendingAsync(scraper, pending, log, stop).ConfigureAwait(false);
            now = await scraper.ScrapeAsync(stop).ConfigureAwait(false);
        }
        if (now.Sum("cpst_series_overflow_total") > overflowBefore)
            log.WriteLine("bench: label sets were folded into __overflow__: start the exporter with a higher Cpst:Limits:MaxSeriesPerMetric (BENCHMARKS.md)");

        for (int i = 0; i < WarmupScrapes; i++) await scraper.TimeAsync(stop).ConfigureAwait(false);
        double residentBefore = (await scraper.ScrapeAsync(stop).ConfigureAwait(false)).Sum("process_resident_memory_bytes");
        var times = new List<double>(TimedScrapes);
        for (int i = 0; i < TimedScrapes; i++) times.Add(await scraper.TimeAsync(stop).ConfigureAwait(false));
        double residentAfter = (await scraper.ScrapeAsync(stop).ConfigureAwait(false)).Sum("process_resident_memory_bytes");

        double median = Percentiles.Of(times, 50);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench: /metrics with {now.SampleCount} series: median {median:F2} ms, p99 {Percentiles.Of(times, 99):F2} ms over {TimedScrapes} scrapes; resident memory {(residentAfter - residentBefore) / 1024:+0;-0;0} KiB across them"));
        return median;
    }
}
