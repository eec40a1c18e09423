using System.Diagnostics.Metrics;
using CpstExporter.Aggregation;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;

namespace CpstExporter.Exposition;

/// <summary>
/// The counters <c>/metrics</c> shows that the exporter's own OTLP metrics carry too: spans received and refused,
/// attributes and log records ignored, requests refused, tasks finished by outcome and tasks pending, as observable instruments on its own meter. They are
/// read when the SDK collects, from the counters the exporter keeps anyway, so the span path gains nothing.
/// </summary>
internal static class ObservedCounters
{
    private static readonly int OutcomeLabel = Array.IndexOf(CpstMetrics.TaskLabelNames, "outcome");

    /// <summary>The order the outcomes are reported in.</summary>
    private static readonly Outcome[] Outcomes = [Outcome.Success, Outcome.Failure, Outcome.Unknown];

    public static void Register(Meter meter, ReceiverCounters receiving, CpstMetrics metrics, TaskAssembler tasks)
    {
        meter.CreateObservableCounter("cpst.exporter.spans.received", () => Each(receiving.ReceivedSpans, "cpst.protocol"), "{span}",
            "Spans accepted, by protocol (cpst_received_spans_total).");
        meter.CreateObservableCounter("cpst.exporter.spans.rejected", () => Each(receiving.RejectedSpans, "cpst.reason"), "{span}",
            "Spans refused in otherwise valid requests, by reason (cpst_rejected_spans_total).");
        meter.CreateObservableCounter("cpst.exporter.attributes.ignored", () => Each(receiving.IgnoredAttributes, "cpst.reason"), "{attribute}",
            "Attributes of accepted spans ignored while the rest counted, by reason (cpst_ignored_attributes_total).");
        meter.CreateObservableCounter("cpst.exporter.log_records.ignored", () => Each(receiving.IgnoredLogRecords, "cpst.reason"), "{log_record}",
            "OTLP log records accepted and ignored, by reason (cpst_ignored_log_records_total).");
        meter.CreateObservableCounter("cpst.exporter.requests.rejected", () => Each(receiving.RejectedRequests, "cpst.reason"), "{request}",
            "Export and outcome requests refused whole, by reason (cpst_rejected_requests_total).");
        meter.CreateObservableCounter("cpst.exporter.tasks.finished", () => TasksByOutcome(metrics), "{task}",
            "Tasks finished, by outcome (cpst_tasks_total).");
        meter.CreateObservableUpDownCounter("cpst.exporter.tasks.pending", () => (long)tasks.PendingCount, "{task}",
            "Tasks waiting for more spans or an outcome (cpst_pending_tasks).");
    }

    private static IEnumerable<Measurement<long>> Each<TLabel>(LabeledCounter<TLabel> counter, string attribute) where TLabel : struct, Enum
    {
        foreach (var (label, count) in counter.Values()) yield return new Measurement<long>(count, new KeyValuePair<string, object?>(attribute, label));
    }

    /// <summary>The task counters summed per outcome, across every other label (overflow series included: totals are exact).</summary>
    private static Measurement<long>[] TasksByOutcome(CpstMetrics metrics)
    {
        Span<long> tasks = stackalloc long[Outcomes.Length];
        foreach (TaskSeries series in metrics.Tasks.All)
        {
            OutcomeLabels.TryParse(series.LabelValues[OutcomeLabel], out Outcome outcome); // anything else is unknown
            tasks[(int)outcome] += series.Read().Tasks;
        }
        var measurements = new Measurement<long>[Outcomes.Length];
        for (int i = 0; i < Outcomes.Length; i++)
            measurements[i] = new(tasks[(int)Outcomes[i]], new KeyValuePair<string, object?>("cpst.outcome", Outcomes[i].LabelValue()));
        return measurements;
    }
}
