using System.Buffers;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;

namespace CpstExporter;

/// <summary>
/// Runs a decoded request through the stages in order: conventions → pricing → task assembly, which counts calls and
/// tasks into the aggregation. Composition, not logic: each step is the stage's own. Spans a stage refuses are recorded
/// on the batch, which the receiver then answers and counts.
/// </summary>
internal sealed class SpanPipeline(
    SpanFactsReader conventions,
    PriceTableProvider prices,
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
            for (int r = 0; r < batch.ResourceCount; r++) resources[r] = conventions.ReadResource(batch, batch.Resources[r]);

            PriceTable table = prices.Current;
            ReadOnlySpan<SpanRecord> spans = batch.Spans;
            int accepted = 0;
            for (int i = 0; i < count; i++)
            {
                ref readonly SpanRecord span = ref spans[i];
                facts[accepted] = conventions.Read(batch, in span, in resources[span.ResourceIndex]);
                if (facts[accepted].Implausible) continue; // refused whole, reported in partial_success
                costs[accepted] = SpanPricer.Price(table, in facts[accepted]);
                accepted++;
            }
            if (accepted < count) batch.Reject(RejectionReason.ImplausibleUsage, count - accepted, ImplausibleMessage());

            int refused = tasks.Add(facts.AsSpan(0, accepted), costs.AsSpan(0, accepted));
            if (refused > 0) batch.Reject(RejectionReason.PendingLimit, refused, PendingLimitMessage());
        }
        finally
        {
            ArrayPool<ResourceFacts>.Shared.Return(resources, clearArray: true);
            ArrayPool<SpanFacts>.Shared.Return(facts, clearArray: true);
            ArrayPool<CallPrice>.Shared.Return(costs);
        }
    }

    public OutcomeDisposition Apply(TraceId traceId, string outcome) =>
        tasks.ApplyOutcome(traceId, OutcomeSpelling.FromString(outcome)) switch
        {
            OutcomeApplied.Applied => OutcomeDisposition.Applied,
            OutcomeApplied.Held => OutcomeDisposition.Unknown,
            OutcomeApplied.Late => OutcomeDisposition.Late,
            _ => OutcomeDisposition.Dropped,
        };

    private string ImplausibleMessage() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"span with a token count above {conventions.Range.MaxTokensPerSpan} or a cost above {conventions.Range.MaxCostUsdPerSpan} USD, or a negative or infinite one: refused (Cpst:Limits:MaxTokensPerSpan, Cpst:Limits:MaxCostUsdPerSpan)");

    private string PendingLimitMessage() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"span of a new trace refused: pending tasks are at Cpst:Tasks:MaxPending and this request already finished {tasks.Options.MaxEvictionsPerRequest} of them early; send fewer new traces per request");
}
