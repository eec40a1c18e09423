using System.Diagnostics.Metrics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using CpstExporter.Exposition;

namespace CpstExporter.Tests.Exposition;

/// <summary>
/// The .NET runtime's and Kestrel's health on a real scrape of the real service, under OpenTelemetry's names: values
/// that move when the runtime does (a forced collection, an allocation, an exception, an open connection).
/// </summary>
public sealed class RuntimeMetricsTests
{
    private const string OpenMetrics = "application/openmetrics-text; version=1.0.0";

    [Fact]
    public async Task Scrape_ForcedGen0Collection_CountsIt()
    {
        const string Gen0 = "dotnet_gc_collections_total{gc_heap_generation=\"gen0\"}";
        await using var exporter = await ExporterUnderTest.StartAsync();
        string first = await exporter.ScrapeAsync();
        decimal before = MetricsText.Required(first, Gen0), allBefore = MetricsText.Sum(first, "dotnet_gc_collections_total");

        // Each collection counts under the oldest generation it collected, so the sum counts every one. The GC may
        // escalate a requested gen0 collection to gen1 (and a test beside this one may collect too), so gen0 is
        // collected until one counts there.
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        decimal all = MetricsText.Sum(await exporter.ScrapeAsync(), "dotnet_gc_collections_total");
        Assert.True(all >= allBefore + 1, $"{all} collections after a forced one, {allBefore} before");
        await Poll.UntilAsync(async () =>
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            return MetricsText.Required(await exporter.ScrapeAsync(), Gen0) > before;
        }, "a gen0 collection counted as one");
        string metrics = await exporter.ScrapeAsync();

        Assert.Contains("# TYPE dotnet_gc_collections_total counter\n", metrics, StringComparison.Ordinal);
        foreach (string generation in new[] { "gen1", "gen2" })
            Assert.NotNull(MetricsText.Value(metrics, $"dotnet_gc_collections_total{{gc_heap_generation=\"{generation}\"}}"));
        foreach (string generation in new[] { "gen0", "gen1", "gen2", "loh", "poh" })
            Assert.NotNull(MetricsText.Value(metrics, $"dotnet_gc_last_collection_heap_size_bytes{{gc_heap_generation=\"{generation}\"}}"));
        Assert.True(MetricsText.Required(metrics, "dotnet_gc_last_collection_memory_committed_size_bytes") > 0, "no committed memory");
        Assert.True(MetricsText.Required(metrics, "dotnet_gc_pause_time_seconds_total") > 0, "no GC pause");
    }

    [Fact]
    public async Task Scrape_AfterAnAllocation_AllocatedBytesGrowByIt()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        decimal before = MetricsText.Required(await exporter.ScrapeAsync(), "dotnet_gc_heap_total_allocated_bytes_total");

        GC.KeepAlive(new byte[4 << 20]);
        string metrics = await exporter.ScrapeAsync();

        Assert.True(MetricsText.Required(metrics, "dotnet_gc_heap_total_allocated_bytes_total") >= before + (4 << 20));
        Assert.True(MetricsText.Required(metrics, "dotnet_process_memory_working_set_bytes") > 1 << 20);
    }

    [Fact]
    public async Task Scrape_ThreadPool_GaugesAndACounterOfWorkDone()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        decimal before = MetricsText.Required(await exporter.ScrapeAsync(), "dotnet_thread_pool_work_item_count_total");

        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => { })));
        string metrics = await exporter.ScrapeAsync();

        Assert.True(MetricsText.Required(metrics, "dotnet_thread_pool_work_item_count_total") >= before + 100);
        Assert.True(MetricsText.Required(metrics, "dotnet_thread_pool_threads") >= 1);
        Assert.True(MetricsText.Required(metrics, "dotnet_thread_pool_queue_length") >= 0);
        // Gauges as the semantic conventions define them, though the runtime creates these two as ObservableCounters.
        Assert.Contains("# TYPE dotnet_thread_pool_threads gauge\n", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet_thread_pool_thread_count", metrics, StringComparison.Ordinal); // the deprecated name only when asked for
        Assert.Contains("# TYPE dotnet_thread_pool_queue_length gauge\n", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_monitor_lock_contentions_total counter\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_DeprecatedMetricNamesOn_ThreadCountUnderBothNames()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Exposition:DeprecatedMetricNames"] = "true" });
        string metrics = await exporter.ScrapeAsync();

        Assert.True(MetricsText.Required(metrics, "dotnet_thread_pool_threads") >= 1);
        Assert.True(MetricsText.Required(metrics, "dotnet_thread_pool_thread_count") >= 1);
        Assert.Contains("# HELP dotnet_thread_pool_thread_count Deprecated: dotnet_thread_pool_threads", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_thread_pool_thread_count gauge\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_AfterAnExceptionIsThrown_CountsItByType()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        string series = $"dotnet_exceptions_total{{error_type=\"{nameof(RuntimeMetricsProbeException)}\"}}";
        decimal before = MetricsText.Value(await exporter.ScrapeAsync(), series) ?? 0;

        for (int i = 0; i < 3; i++)
        {
            try
            {
                throw new RuntimeMetricsProbeException();
            }
            catch (RuntimeMetricsProbeException)
            {
            }
        }
        string metrics = await exporter.ScrapeAsync();

        Assert.Equal(before + 3, MetricsText.Required(metrics, series));
        Assert.Contains("# TYPE dotnet_exceptions_total counter\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_WhileAConnectionIsOpen_KestrelCountsItOnItsListener()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        string series = $"kestrel_active_connections{{network_transport=\"tcp\",network_type=\"ipv4\",server_address=\"127.0.0.1\",server_port=\"{exporter.HttpAddress.Port}\"}}";

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(exporter.HttpAddress.Host, exporter.HttpAddress.Port);
            await Poll.UntilAsync(async () => MetricsText.Value(await exporter.ScrapeAsync(), series) == 1, "the open connection on the OTLP/HTTP listener");
        }

        await Poll.UntilAsync(async () => MetricsText.Value(await exporter.ScrapeAsync(), series) == 0, "the closed connection gone");
        string metrics = await exporter.ScrapeAsync();
        Assert.Contains("# TYPE kestrel_active_connections gauge\n", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE kestrel_queued_connections gauge\n", metrics, StringComparison.Ordinal);
        // The scrape's own connection, on the metrics listener.
        Assert.True(MetricsText.Required(metrics, series.Replace($"\"{exporter.HttpAddress.Port}\"", $"\"{exporter.MetricsAddress.Port}\"", StringComparison.Ordinal)) >= 1);
    }

    [Fact]
    public async Task Scrape_OpenMetrics_RuntimeFamiliesAreUniqueAndTyped()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        await exporter.ScrapeAsync();

        string text = await exporter.ScrapeAsync(OpenMetrics);
        string[] families = text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToArray();

        Assert.Equal(families.Length, families.Distinct().Count());
        Assert.Contains("# TYPE dotnet_gc_collections counter\n", text, StringComparison.Ordinal);
        Assert.Matches(new Regex("^dotnet_gc_collections_total\\{gc_heap_generation=\"gen0\"\\} \\d+$", RegexOptions.Multiline), text);
        Assert.Contains("# TYPE kestrel_active_connections gauge\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\n# EOF\n", text);
    }

    [Fact]
    public void Family_PastMaxSeries_FoldsIntoOneOverflowSeries()
    {
        using var meter = new Meter("CpstExporter.Tests.RuntimeFamily");
        Counter<long> counter = meter.CreateCounter<long>("test.events", "{event}", "Events, by kind.");
        var family = new RuntimeFamily(counter, counter: true);

        for (int i = 0; i < RuntimeFamily.MaxSeries + 10; i++)
            family.Record(1, [new("event.kind", $"kind-{i}"), new("event.source", "test")]);
        family.Record(5, [new("event.source", "test"), new("event.kind", "kind-0")]); // the first set, attributes in another order
        var buffer = new ExpositionBuffer();
        family.Write(buffer, ExpositionFormat.Text);
        string text = Encoding.UTF8.GetString(buffer.Written.Span);

        Assert.StartsWith("# HELP test_events_total Events, by kind.\n# TYPE test_events_total counter\n", text, StringComparison.Ordinal);
        Assert.Equal(6m, MetricsText.Required(text, "test_events_total{event_kind=\"kind-0\",event_source=\"test\"}"));
        Assert.Equal(RuntimeFamily.MaxSeries + 1, MetricsText.Samples(text, "test_events_total").Count());
        Assert.Equal(10m, MetricsText.Required(text, "test_events_total{event_kind=\"__overflow__\",event_source=\"__overflow__\"}"));
    }

    private sealed class RuntimeMetricsProbeException : Exception;
}
