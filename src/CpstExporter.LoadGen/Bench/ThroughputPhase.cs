using System.Globalization;

namespace CpstExporter.LoadGen.Bench;

/// <summary>
/// Full-rate export over <see cref="BenchOptions.Connections"/> HTTP/2 connections. After the warm-up, the exporter's
/// own counters are read before and after the measured time: spans it counted (<c>cpst_received_spans_total</c>)
/// and CPU it used (<c>process_cpu_seconds_total</c>), so the figures are the server's, whatever the client did.
/// </summary>
internal sealed class ThroughputPhase(BenchOptions options, MetricsScraper scraper, TextWriter log)
{
    public async Task<(double SpansPerSecond, double CpuUsPerSpan, double P99Ms)> RunAsync(IReadOnlyList<PayloadTemplate> templates, CancellationToken stop)
    {
        await using var load = new ExportLoad(options.Endpoint, options.Connections, templates);
        load.Start(stop);
        await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds), stop).ConfigureAwait(false);

        MetricsSnapshot before = await scraper.ScrapeAsync(stop).ConfigureAwait(false);
        load.Recording = true;
        long clientSpans = load.Spans;
        await Task.Delay(TimeSpan.FromSeconds(options.DurationSeconds), stop).ConfigureAwait(false);
        MetricsSnapshot after = await scraper.ScrapeAsync(stop).ConfigureAwait(false);
        load.Recording = false;
        clientSpans = load.Spans - clientSpans;
        await load.StopAsync().ConfigureAwait(false);

        double seconds = (after.Timestamp - before.Timestamp) / (double)System.Diagnostics.Stopwatch.Frequency;
        double spans = after.Sum("cpst_received_spans_total", "protocol=\"grpc\"") - before.Sum("cpst_received_spans_total", "protocol=\"grpc\"");
        double cpu = after.Sum("process_cpu_seconds_total") - before.Sum("process_cpu_seconds_total");
        if (spans <= 0) throw new InvalidOperationException($"the exporter counted no spans in {seconds:F0} s; last export failure: {load.LastFailure ?? "none"}");
        double p99 = Percentiles.Of(load.Latencies, 99);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench: {spans:F0} spans counted in {seconds:F1} s ({clientSpans} acknowledged), exporter CPU {cpu:F2} s ({cpu / seconds * 100:F0} % of one core), {load.Failures} failed exports{(load.LastFailure is null ? "" : $" (last: {load.LastFailure})")}"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench: Export latency p50 {Percentiles.Of(load.Latencies, 50):F2} ms, p99 {p99:F2} ms over {load.Latencies.Count} calls of {templates[0].Spans} spans"));
        return (spans / seconds, cpu * 1e6 / spans, p99);
    }
}
