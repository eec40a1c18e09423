using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.Support;

/// <summary>
/// <c>gen_ai.evaluation.result</c> events built with the generated classes: as OTLP log records (the <c>event_name</c>
/// field or the <c>event.name</c> attribute) and as span events.
/// </summary>
internal static class Evaluations
{
    public const string EventName = "gen_ai.evaluation.result";

    /// <summary>The event's attributes: its name, label and score, each left out when null.</summary>
    public static KeyValue[] Attributes(string? name, string? label = null, double? score = null)
    {
        var attributes = new List<KeyValue>();
        if (name is not null) attributes.Add(Spans.Attr("gen_ai.evaluation.name", name));
        if (label is not null) attributes.Add(Spans.Attr("gen_ai.evaluation.score.label", label));
        if (score is double value) attributes.Add(Spans.Attr("gen_ai.evaluation.score.value", value));
        attributes.Add(Spans.Attr("gen_ai.evaluation.explanation", "checked against the reference answer"));
        return [.. attributes];
    }

    /// <summary>An evaluation event as a log record of trace <paramref name="trace"/>, named by the <c>event_name</c> field.</summary>
    public static LogRecord Record(int trace, string? name, string? label = null, double? score = null) =>
        Record(Spans.TraceId(trace), EventName, Attributes(name, label, score));

    /// <summary>A log record with the given trace id (null: none), <c>event_name</c> field (null: none) and attributes.</summary>
    public static LogRecord Record(byte[]? traceId, string? eventName, params KeyValue[] attributes)
    {
        var record = new LogRecord
        {
            TimeUnixNano = 1_700_000_002_000_000_000UL,
            SeverityNumber = 9,
            Body = new AnyValue { StringValue = "evaluation finished" },
        };
        if (traceId is not null) record.TraceId = ByteString.CopyFrom(traceId);
        if (eventName is not null) record.EventName = eventName;
        record.Attributes.AddRange(attributes);
        return record;
    }

    public static ExportLogsServiceRequest Request(params LogRecord[] records)
    {
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "evaluator" } };
        scope.LogRecords.AddRange(records);
        var resourceLogs = new ResourceLogs { Resource = new Resource() };
        resourceLogs.Resource.Attributes.Add(Spans.Attr("service.name", "evaluator"));
        resourceLogs.ScopeLogs.Add(scope);
        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(resourceLogs);
        return request;
    }

    /// <summary>An evaluation event as a span event.</summary>
    public static Span.Types.Event Event(string? name, string? label = null, double? score = null) => Event(EventName, Attributes(name, label, score));

    public static Span.Types.Event Event(string eventName, params KeyValue[] attributes)
    {
        var result = new Span.Types.Event { Name = eventName, TimeUnixNano = 1_700_000_000_500_000_000UL };
        result.Attributes.AddRange(attributes);
        return result;
    }

    /// <summary>The span with <paramref name="events"/> added.</summary>
    public static Span With(this Span span, params Span.Types.Event[] events)
    {
        span.Events.AddRange(events);
        return span;
    }
}
