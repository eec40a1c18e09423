namespace CpstExporter.Tasks;

/// <summary>A call that counts, held by its pending task until the task's use case is final (its root arrived).</summary>
internal readonly record struct HeldCall(ulong SpanId, CountedCall Call);
