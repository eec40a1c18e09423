using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

/// <summary>Where the outcome API hands each entry: trace id, outcome, source and reason.</summary>
internal interface IOutcomeSink
{
    /// <summary>
    /// Applies <paramref name="outcome"/>, the value as sent (UTF-8, not blank), to the task of <paramref name="traceId"/>,
    /// given by <paramref name="source"/> (checked by <see cref="OutcomeSourceWord"/>; empty: none named) for
    /// <paramref name="reason"/> (UTF-8, at most <see cref="OutcomeJsonReader.MaxReasonBytes"/>; empty: none given).
    /// </summary>
    OutcomeDisposition Apply(TraceId traceId, ReadOnlySpan<byte> outcome, ReadOnlySpan<byte> source, ReadOnlySpan<byte> reason);
}
