using System.Buffers;
using CpstExporter.Aggregation;
using CpstExporter.Conventions;
using CpstExporter.Hosting;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;

namespace CpstExporter;

/// <summary>
/// Runs a decoded request through the stages in order: conventions → pricing → task assembly, then the request's
/// evaluation events (span events, log records) → the task stage, whose decisions (calls counted, tasks finished early,
/// verdicts late or dropped) it hands on to the aggregation (<see cref="TaskDecisionDelivery"/>). Composition, not
/// logic: each step is the stage's own, and the pipeline only lends them the pooled buffers one hands to the next. Spans a stage refuses are recorded on the batch, which the receiver then
/// answers and counts.
/// </summary>
internal sealed class SpanPipeline(
    SpanFactsReader conventions,
    BatchPricer pricer,
    TaskAssembler tasks,
    TaskDecisionDelivery delivery,
    CpstMetrics metrics) : ISpanBatchSink, IOutcomeSink
{
    public void Consume(SpanBatch batch)
    {
        if (batch.SpanCount == 0 && batch.EvaluationCount == 0) return;
        TaskDecisions decisions = delivery.Rent();
        try
        {
            try
            {
                if (batch.SpanCount > 0) AddSpans(batch, decisions);
                // After the request's spans: an evaluation on a span of a new trace joins the task its spans just began.
                if (batch.EvaluationCount > 0) ApplyEvaluations(batch, decisions);
            }
            finally
            {
                delivery.Deliver(decisions); // also after a failure: what was decided before it is not held back
            }
            if (decisions.RefusedSpans > 0) batch.Reject(RejectionReason.PendingLimit, decisions.RefusedSpans, PendingLimitMessage());
        }
        finally
        {
            delivery.Return(decisions);
        }
    }

    private void AddSpans(SpanBatch batch, TaskDecisions decisions)
    {
        int count = batch.SpanCount;
        ResourceFacts[] resources = ArrayPool<ResourceFacts>.Shared.Rent(batch.ResourceCount);
        SpanFacts[] facts = ArrayPool<SpanFacts>.Shared.Rent(count);
        CallPrice[] costs = ArrayPool<CallPrice>.Shared.Rent(count);
        try
        {
            int plausible = conventions.ReadPlausible(batch, resources, facts);
            ReadOnlySpan<SpanFacts> read = facts.AsSpan(0, plausible);
            int unknownCurrencies = pricer.Price(read, costs);
            if (unknownCurrencies > 0) batch.Ignore(IgnoredAttributeReason.UnknownCurrency, unknownCurrencies, UnknownCurrencyMessage);
            tasks.Add(read, costs.AsSpan(0, plausible), decisions);
        }
        finally
        {
            ArrayPool<ResourceFacts>.Shared.Return(resources, clearArray: true);
            ArrayPool<SpanFacts>.Shared.Return(facts, clearArray: true);
            ArrayPool<CallPrice>.Shared.Return(costs);
        }
    }

    private void ApplyEvaluations(SpanBatch batch, TaskDecisions decisions)
    {
        EvaluationResult[] results = ArrayPool<EvaluationResult>.Shared.Rent(batch.EvaluationCount);
        try
        {
            int count = conventions.ReadEvaluations(batch, results);
            tasks.ApplyEvaluations(results.AsSpan(0, count), decisions);
        }
        finally
        {
            ArrayPool<EvaluationResult>.Shared.Return(results, clearArray: true);
        }
    }

    public OutcomeDisposition Apply(TraceId traceId, ReadOnlySpan<byte> outcome, ReadOnlySpan<byte> source, ReadOnlySpan<byte> reason)
    {
        // The common sources are interned (OutcomeSourceWord.ToLower): only a reason makes a string per outcome.
        string by = source.IsEmpty ? OutcomeSourceWord.Default : OutcomeSourceWord.ToLower(source);
        string? why = reason.IsEmpty ? null : System.Text.Encoding.UTF8.GetString(reason);
        switch (tasks.ApplyOutcome(traceId, OutcomeSpelling.FromUtf8(outcome), by, why))
        {
            case OutcomeApplied.Applied:
                return OutcomeDisposition.Applied;
            case OutcomeApplied.Held:
                return OutcomeDisposition.Unknown;
            case OutcomeApplied.Late:
                metrics.OutcomeLate();
                return OutcomeDisposition.Late;
            default:
                metrics.OutcomesDropped(1);
                return OutcomeDisposition.Dropped;
        }
    }

    private const string UnknownCurrencyMessage =
        "gen_ai.usage.cost.currency has no exchange rate (Cpst:Pricing:ExchangeRates): the reported amount was ignored and the call priced from the price table";

    private string PendingLimitMessage() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"span of a new trace refused: pending tasks are at Cpst:Tasks:MaxPending and this request already finished {tasks.Options.MaxEvictionsPerRequest} of them early; send fewer new traces per request");
}
