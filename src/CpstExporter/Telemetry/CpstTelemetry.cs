using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CpstExporter.Telemetry;

/// <summary>
/// The exporter's own <see cref="ActivitySource"/> and <see cref="Meter"/>, both named <see cref="Name"/>; they exist
/// only when the exporter sends its own telemetry (<c>Hosting/SelfTelemetry</c>), so without an OTLP endpoint nothing
/// here is created and every caller skips its one null check. Rare events are spans and metrics: a checkpoint of the
/// state file (<c>cpst.checkpoint</c>) and a reload of the price table or the use case settings (<c>cpst.reload</c>).
/// Frequent events are metrics only: an export request is one histogram measurement when it is answered, and spans
/// received or refused, tasks finished and tasks pending are observed from the counters the exporter keeps anyway,
/// when the SDK collects, so the span path gains nothing (<c>Exposition/ObservedCounters</c>, on <see cref="Meter"/>).
/// Every part may record here: it knows none of them.
/// </summary>
internal sealed class CpstTelemetry : IDisposable
{
    public const string Name = "CpstExporter";

    /// <summary>The attribute that tells export requests apart on <c>cpst.exporter.export.duration</c>.</summary>
    public static readonly KeyValuePair<string, object?> OtlpGrpc = new("cpst.request", "otlp_grpc");
    public static readonly KeyValuePair<string, object?> OtlpHttp = new("cpst.request", "otlp_http");
    public static readonly KeyValuePair<string, object?> Outcomes = new("cpst.request", "outcomes");

    private static readonly KeyValuePair<string, object?> Periodic = new("cpst.checkpoint.kind", "periodic");
    private static readonly KeyValuePair<string, object?> Shutdown = new("cpst.checkpoint.kind", "shutdown");

    private readonly ActivitySource _source;
    private readonly Meter _meter;
    private readonly Histogram<double> _exportDuration;
    private readonly Histogram<double> _checkpointDuration;
    private readonly Counter<long> _reloads;

    /// <param name="version">The exporter's version, the source's and the meter's.</param>
    public CpstTelemetry(IMeterFactory meters, string version)
    {
        _source = new ActivitySource(Name, version);
        _meter = meters.Create(new MeterOptions(Name) { Version = version });
        _exportDuration = _meter.CreateHistogram("cpst.exporter.export.duration", "s",
            "Time to process an accepted OTLP export or outcome request, from its place in the gate to its answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _checkpointDuration = _meter.CreateHistogram("cpst.exporter.checkpoint.duration", "s",
            "Time to write the pending tasks to the state file; error.type is set when the write failed.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _reloads = _meter.CreateCounter<long>("cpst.exporter.reloads", "{reload}",
            "Reloads of the price table or the use case settings, by what was reloaded and whether it went live.");
    }

    /// <summary>The exporter's own meter, for instruments that read what another part keeps.</summary>
    public Meter Meter => _meter;

    /// <summary>An export or outcome request answered, <paramref name="started"/> being its <see cref="Stopwatch.GetTimestamp"/>.</summary>
    public void ExportHandled(KeyValuePair<string, object?> request, long started) =>
        _exportDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, request);

    public Activity? StartCheckpoint(bool final)
    {
        Activity? activity = _source.StartActivity("cpst.checkpoint");
        activity?.SetTag(Kind(final).Key, Kind(final).Value);
        return activity;
    }

    public void Checkpointed(Activity? activity, bool final, long started, int tasks, int heldOutcomes)
    {
        activity?.SetTag("cpst.tasks.written", tasks);
        activity?.SetTag("cpst.outcomes.written", heldOutcomes);
        _checkpointDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Kind(final));
    }

    public void CheckpointFailed(Activity? activity, bool final, long started, string what, Exception error)
    {
        activity?.SetStatus(ActivityStatusCode.Error, what);
        activity?.AddException(error);
        _checkpointDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Kind(final), new("error.type", error.GetType().FullName));
    }

    /// <param name="config"><c>pricing</c> or <c>use_cases</c>.</param>
    public Activity? StartReload(string config)
    {
        Activity? activity = _source.StartActivity("cpst.reload");
        activity?.SetTag("cpst.config", config);
        return activity;
    }

    /// <param name="result"><c>applied</c> (a new version is in force), <c>unchanged</c> or <c>refused</c> (the last good one stays).</param>
    /// <param name="reason">Why a reload was refused; the span's status description.</param>
    public void Reloaded(Activity? activity, string config, string result, string? reason = null)
    {
        activity?.SetTag("cpst.reload.result", result);
        if (reason is not null) activity?.SetStatus(ActivityStatusCode.Error, reason);
        _reloads.Add(1, new KeyValuePair<string, object?>("cpst.config", config), new KeyValuePair<string, object?>("cpst.reload.result", result));
    }

    private static KeyValuePair<string, object?> Kind(bool final) => final ? Shutdown : Periodic;

    /// <summary>The meter belongs to the host's <see cref="IMeterFactory"/>, which disposes it with the host.</summary>
    public void Dispose() => _source.Dispose();
}
