using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

internal sealed record HeldOutcomeState(string TraceId, Outcome Outcome, long ExpiresMs);
