using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

/// <summary>Where the outcome API hands each (trace id, outcome) pair.</summary>
internal interface IOutcomeSink
{
    OutcomeDisposition Apply(TraceId traceId, string outcome);
}
