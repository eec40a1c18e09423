using System.Globalization;

namespace CpstExporter.LoadGen.Bench;

/// <summary>
/// Memory per pending task: leaves <see cref="BenchOptions.PendingTasks"/> tasks without an outcome in the exporter
/// (they wait for the outcome window, which the bench configuration makes long), reading the exporter's resident
/// memory and pending count at ten checkpoints on the way, and fits a line through them. The slope is the growth of
/// resident memory per pending task, with the exporter's tables and their spare capacity included, and a constant
/// offset (the garbage collector's allocation budget, the code the JIT compiled) left out. It needs a freshly started
/// exporter: memory freed by earlier work would be reused without growing and make the figure look smaller.
/// </summary>
internal sealed class PendingMemoryPhase(BenchOptions options, MetricsScraper scraper, TextWriter log)
{
    private const int Checkpoints = 10;

    public async Task<double> RunAsync(BenchPayloads payloads, CancellationToken stop)
    {
        PayloadTemplate template = payloads.Pending(options.BatchSpans);
        await WarmUpAsync(payloads, stop).ConfigureAwait(false);

        var points = new List<(double Pending, double Resident)>();
        MetricsSnapshot start = await scraper.ScrapeAsync(stop).ConfigureAwait(false);
        points.Add(Point(start));
        long requestsPerCheckpoint = Math.Max(1, options.PendingTasks / Checkpoints / template.Tasks);
        for (int c = 0; c < Checkpoints; c++)
        {
            await using (var load = new ExportLoad(options.Endpoint, options.Connections, [template], requestsPerCheckpoint))
            {
                load.Start(stop);
                await load.Completion.ConfigureAwait(false);
                if (load.Failures > 0) log.WriteLine($"bench: {load.Failures} export failures while filling pending tasks; last: {load.LastFailure}");
            }
            points.Add(Point(await scraper.ScrapeAsync(stop).ConfigureAwait(false)));
        }

        double added = points[^1].Pending - points[0].Pending;
        double expected = (double)requestsPerCheckpoint * Checkpoints * template.Tasks;
        if (added < expected * 0.99)
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench: only {added:F0} of {expected:F0} tasks stayed pending: start the exporter with a long Cpst:Tasks:OutcomeWindowSeconds and a large Cpst:Tasks:MaxPending (BENCHMARKS.md)"));
        double slope = LeastSquares.Slope(points);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench: pending tasks {points[0].Pending:F0} -> {points[^1].Pending:F0}, resident memory {points[0].Resident / 1048576:F1} -> {points[^1].Resident / 1048576:F1} MiB: {slope:F0} bytes per pending task"));
        return slope;
    }

    /// <summary>Runs every code path once before the baseline is read, then waits for the warm-up tasks to settle.</summary>
    private async Task WarmUpAsync(BenchPayloads payloads, CancellationToken stop)
    {
        MetricsSnapshot fresh = await scraper.ScrapeAsync(stop).ConfigureAwait(false);
        if (fresh.Sum("cpst_received_spans_total") > 0)
            log.WriteLine("bench: the exporter has received spans before: pending_task_bytes is only right on a freshly started exporter");

        await using (var load = new ExportLoad(options.Endpoint, options.Connections, [payloads.Throughput(options.BatchSpans)], maxRequests: 400))
        {
            load.Start(stop);
            await load.Completion.ConfigureAwait(false);
        }
        await BenchRunner.WaitForPendingAsync(scraper, fresh.Sum("cpst_pending_tasks"), log, stop).ConfigureAwait(false);
    }

    private static (double, double) Point(MetricsSnapshot s) => (s.Sum("cpst_pending_tasks"), s.Sum("process_resident_memory_bytes"));
}
