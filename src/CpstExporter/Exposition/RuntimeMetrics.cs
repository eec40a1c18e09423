using System.Diagnostics.Metrics;

namespace CpstExporter.Exposition;

/// <summary>
/// The .NET runtime's and Kestrel's health on <c>/metrics</c>: the instruments of the runtime's built-in
/// <c>System.Runtime</c> meter and of this host's <c>Microsoft.AspNetCore.Server.Kestrel</c> meter that an operator of
/// the exporter reads (garbage collections, heap, allocations, GC pauses, working set, thread pool, lock contention,
/// exceptions, connections), under the names OpenTelemetry's Prometheus compatibility gives them
/// (<see cref="PrometheusName"/>), so the series are the ones the same instruments have when they reach Prometheus
/// over OTLP. A <see cref="MeterListener"/> receives them: the runtime's observable instruments are read when a scrape
/// asks (no timer, nothing between scrapes), and the few measured ones (exceptions, connections) are added up as they
/// happen, per exception or connection, never per span.
/// </summary>
internal sealed class RuntimeMetrics : IDisposable
{
    public const string RuntimeMeter = "System.Runtime";
    public const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";

    /// <summary>
    /// The instruments written, in the order written, each with its kind in the semantic conventions: a Counter
    /// (written as a Prometheus counter) or an UpDownCounter (a gauge). The kind is the conventions', not the
    /// instrument's: the .NET 10 runtime creates <c>dotnet.thread_pool.thread.count</c> and
    /// <c>dotnet.thread_pool.queue.length</c> as ObservableCounters, though both go down, and a Prometheus counter that
    /// goes down reads as a restart to <c>rate()</c>. Left out: the JIT, assembly, timer and CPU-count instruments (not
    /// what an operator of this service acts on; CPU time is <c>process_cpu_seconds_total</c>), and histograms
    /// (Kestrel's connection and TLS handshake durations), which would need buckets of our own.
    /// </summary>
    public static readonly (string Meter, string Instrument, bool Counter)[] Exposed =
    [
        (RuntimeMeter, "dotnet.gc.collections", true),
        (RuntimeMeter, "dotnet.gc.heap.total_allocated", true),
        (RuntimeMeter, "dotnet.gc.last_collection.heap.size", false),
        (RuntimeMeter, "dotnet.gc.last_collection.heap.fragmentation.size", false),
        (RuntimeMeter, "dotnet.gc.last_collection.memory.committed_size", false),
        (RuntimeMeter, "dotnet.gc.pause.time", true),
        (RuntimeMeter, "dotnet.process.memory.working_set", false),
        (RuntimeMeter, "dotnet.thread_pool.thread.count", false),
        (RuntimeMeter, "dotnet.thread_pool.queue.length", false),
        (RuntimeMeter, "dotnet.thread_pool.work_item.count", true),
        (RuntimeMeter, "dotnet.monitor.lock_contentions", true),
        (RuntimeMeter, "dotnet.exceptions", true),
        (KestrelMeter, "kestrel.active_connections", false),
        (KestrelMeter, "kestrel.queued_connections", false),
        (KestrelMeter, "kestrel.rejected_connections", true),
        (KestrelMeter, "kestrel.queued_requests", false),
    ];

    /// <summary>
    /// Families written under another name than the conventions give them, and the conventions' name. A gauge named
    /// <c>…_count</c> reads as a histogram's count to <c>promtool check metrics</c>, which reports it; so the thread
    /// pool's thread count is <c>dotnet_thread_pool_threads</c> (as Go's <c>go_threads</c>). The old name is written too
    /// only when <c>Cpst:Exposition:DeprecatedMetricNames</c> is on, for one release (docs/operations.md).
    /// </summary>
    public static readonly (string Instrument, string Name, string Deprecated)[] Renamed =
    [
        ("dotnet.thread_pool.thread.count", "dotnet_thread_pool_threads", "dotnet_thread_pool_thread_count"),
    ];

    private readonly RuntimeFamily?[] _families = new RuntimeFamily?[Exposed.Length];
    private readonly bool _deprecatedNames;
    private readonly IMeterFactory? _kestrelMeters;
    private readonly MeterListener _listener;

    /// <param name="kestrelMeters">The host's meter factory: Kestrel's meter is the one it created. Other hosts in the
    /// same process (tests run several) have meters of the same name, whose connections are not this host's. Null:
    /// runtime instruments only.</param>
    /// <param name="deprecatedNames">Whether a renamed family (<see cref="Renamed"/>) is written under its old name too.</param>
    public RuntimeMetrics(IMeterFactory? kestrelMeters, bool deprecatedNames = false)
    {
        _kestrelMeters = kestrelMeters;
        _deprecatedNames = deprecatedNames;
        _listener = new MeterListener { InstrumentPublished = Published };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, family) => ((RuntimeFamily)family!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, family) => ((RuntimeFamily)family!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, family) => ((RuntimeFamily)family!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, family) => ((RuntimeFamily)family!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments, then writes every family that has a series.</summary>
    public void Write(ExpositionBuffer o, ExpositionFormat format)
    {
        _listener.RecordObservableInstruments();
        foreach (RuntimeFamily? family in _families) family?.Write(o, format);
    }

    private void Published(Instrument instrument, MeterListener listener)
    {
        string meter = instrument.Meter.Name;
        if (meter == KestrelMeter ? _kestrelMeters is null || !ReferenceEquals(instrument.Meter.Scope, _kestrelMeters) : meter != RuntimeMeter) return;
        int at = Array.FindIndex(Exposed, e => e.Meter == meter && e.Instrument == instrument.Name);
        if (at < 0) return;
        int renamed = Array.FindIndex(Renamed, r => meter == RuntimeMeter && r.Instrument == instrument.Name);
        var family = renamed < 0
            ? new RuntimeFamily(instrument, Exposed[at].Counter)
            : new RuntimeFamily(instrument, Exposed[at].Counter, Renamed[renamed].Name, _deprecatedNames ? Renamed[renamed].Deprecated : null);
        if (Interlocked.CompareExchange(ref _families[at], family, null) is not null) return; // one meter per name and scope
        listener.EnableMeasurementEvents(instrument, family);
    }

    public void Dispose() => _listener.Dispose();
}
