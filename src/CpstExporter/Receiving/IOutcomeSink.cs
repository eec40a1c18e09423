using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

/// <summary>Where the outcome API hands each (trace id, outcome) pair.</summary>
internal interface IOutcomeSink
{
    /// <summary>Applies <paramref name="outcome"/>, the value as sent (UTF-8, not blank), to the task of <paramref name="traceId"/>.</summary>
    OutcomeDisposition Apply(TraceId traceId, ReadOnlySpan<byte> outcome);
}
