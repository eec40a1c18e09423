using CpstExporter.Exposition;

namespace CpstExporter.Tests.Exposition;

/// <summary>OpenTelemetry names as OpenTelemetry's Prometheus compatibility specification translates them.</summary>
public sealed class PrometheusNameTests
{
    public static TheoryData<string, string?, bool, string> Metrics => new()
    {
        // The .NET runtime's and Kestrel's instruments, as /metrics writes them.
        { "dotnet.gc.collections", "{collection}", true, "dotnet_gc_collections_total" },
        { "dotnet.gc.heap.total_allocated", "By", true, "dotnet_gc_heap_total_allocated_bytes_total" },
        { "dotnet.gc.last_collection.heap.size", "By", false, "dotnet_gc_last_collection_heap_size_bytes" },
        { "dotnet.gc.pause.time", "s", true, "dotnet_gc_pause_time_seconds_total" },
        { "dotnet.thread_pool.thread.count", "{thread}", false, "dotnet_thread_pool_thread_count" },
        { "dotnet.thread_pool.work_item.count", "{work_item}", true, "dotnet_thread_pool_work_item_count_total" },
        { "dotnet.exceptions", "{exception}", true, "dotnet_exceptions_total" },
        { "kestrel.active_connections", "{connection}", false, "kestrel_active_connections" },
        { "kestrel.rejected_connections", "{connection}", true, "kestrel_rejected_connections_total" },
        // The specification's other rules.
        { "system.memory.utilization", "1", false, "system_memory_utilization_ratio" },
        { "system.cpu.utilization.count", "1", true, "system_cpu_utilization_count_total" },
        { "system.network.io", "By/s", false, "system_network_io_bytes_per_second" },
        { "http.server.requests", "{request}/s", false, "http_server_requests_per_second" },
        { "queue.wait", "ms", false, "queue_wait_milliseconds" },
        { "request.duration_seconds", "s", false, "request_duration_seconds" },
        { "requests_total", "{request}", true, "requests_total" },
        { "cache.misses", "misses", true, "cache_misses_total" },
        { "process.memory.limit", "MiBy", false, "process_memory_limit_mebibytes" },
        { "odd-name..with//chars", null, false, "odd_name_with_chars" },
    };

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Metric_OpenTelemetryInstrument_HasThePrometheusName(string name, string? unit, bool counter, string expected)
    {
        Assert.Equal(expected, PrometheusName.Metric(name, unit, counter));
    }

    [Theory]
    [InlineData("gc.heap.generation", "gc_heap_generation")]
    [InlineData("server.port", "server_port")]
    [InlineData("error.type", "error_type")]
    [InlineData("2xx.rate", "key_2xx_rate")]
    public void Label_AttributeKey_HasThePrometheusName(string key, string expected)
    {
        Assert.Equal(expected, PrometheusName.Label(key));
    }
}
