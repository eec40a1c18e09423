
namespace CpstExporter.Tasks.State;

/// <summary>A span id the task has seen (or a parent it has not), so a span resent after a restart is still a duplicate.</summary>
internal sealed record SpanState(ulong Id, ulong Parent, byte Marks);
