using CpstExporter.Primitives;


namespace CpstExporter.Tasks.State;

internal sealed record HeldOutcomeState(string TraceId, Outcome Outcome, long ExpiresMs);
