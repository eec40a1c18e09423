using CpstExporter.Tasks;

namespace CpstExporter.Tasks.State;

/// <summary>A call held with its span id (<see cref="HeldMember"/>), naming its entry of <see cref="PendingTaskState.HeldCalls"/> by its place.</summary>
internal sealed record HeldSpanState(ulong Id, int Group);
