namespace CpstExporter.Receiving;

/// <summary>
/// What an OTLP export request carries: spans (<c>/v1/traces</c>, <c>TraceService/Export</c>) or log records
/// (<c>/v1/logs</c>, <c>LogsService/Export</c>, read only for evaluation events). Both are decoded into a
/// <see cref="SpanBatch"/> and go through the same admission, limits and answers; the signal chooses the reader and the
/// response message.
/// </summary>
internal enum ExportSignal
{
    Traces,
    Logs,
}
