using System.Runtime.InteropServices;

namespace CpstExporter.Tasks;

/// <summary>
/// An LLM call held with its span id, because a later span may still show it a wrapper and take it back: 12 bytes, in
/// the order the calls arrived, naming the <see cref="HeldGroup"/> whose value it has.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal readonly record struct HeldMember(ulong SpanId, int Group);
