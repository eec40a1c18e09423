using System.Buffers;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;

namespace CpstExporter;

/// <summary>
/// Runs a decoded request through the stages in order: conventions → pricing → task assembly, which counts calls and
/// tasks into the aggregation. Composition, not logic: each step is the stage's own, and the pipeline only lends them
/// the pooled buffers one hands to the next. Spans a stage refuses are recorded on the batch, which the receiver then
/// answers and counts.
/// </summary>
internal sealed class SpanPipeline(
    SpanFactsReader conventions,
    BatchPricer pricer,
    TaskAssembler tasks) : ISpanBatchSink, IOutcomeSink
{
    public void Consume(SpanBatch batch)
    {
        int count = batch.SpanCount;
        if (count == 0) return;

        ResourceFacts[] resources = ArrayPool<ResourceFacts>.Shared.Rent(batch.ResourceCount);
        SpanFacts[] facts = ArrayPool<SpanFacts>.Shared.Rent(count);
        CallPrice[] costs = ArrayPool<CallPrice>.Shared.Rent(count);
        try
        {
            int plausible = conventions.ReadPlausible(batch, resources, facts);
            ReadOnlySpan<SpanFacts> read = facts.AsSpan(0, plausible);
            int unknownCurrencies = pricer.Price(read, costs);
            if (unknownCurrencies > 0) batch.Ignore(IgnoredAttributeReason.UnknownCurrency, unknownCurrencies, UnknownCurrencyMessage);
            int refused = tasks.Add(read, costs.AsSpan(0, plausible));
            if (refused > 0) batch.Reject(RejectionReason.PendingLimit, refused, PendingLimitMessage());
        }
        finally
        {
            ArrayPool<ResourceFacts>.Shared.Return(resources, clearArray: true);
            ArrayPool<SpanFacts>.Shared.Return(facts, clearArray: true);
            ArrayPool<CallPrice>.Shared.Return(costs);
        }
    }

    public OutcomeDisposition Apply(TraceId traceId, ReadOnlySpan<byte> outcome) =>
        tasks.ApplyOutcome(traceId, OutcomeSpelling.FromUtf8(outcome)) switch
        {
            OutcomeApplied.Applied => OutcomeDisposition.Applied,
            OutcomeApplied.Held => OutcomeDisposition.Unknown,
            OutcomeApplied.Late => OutcomeDisposition.Late,
            _ => OutcomeDisposition.Dropped,
        };

    private const string UnknownCurrencyMessage =
        "gen_ai.usage.cost.currency has no exchange rate (Cpst:Pricing:ExchangeRates): the reported amount was ignored and the call priced from the price table";

    private string PendingLimitMessage() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"span of a new trace refused: pending tasks are at Cpst:Tasks:MaxPending and this request already finished {tasks.Options.MaxEvictionsPerRequest} of them early; send fewer new traces per request");
}
