using System.Buffers;
using CpstExporter.Aggregation;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Receiving;
using CpstExporter.Tasks;

namespace CpstExporter;

/// <summary>
/// Runs a decoded request through the stages in order: conventions → pricing → per-call aggregation → task
/// assembly. Composition, not logic: each step is the stage's own.
/// </summary>
internal sealed class SpanPipeline(
    SpanFactsReader conventions,
    PriceTableProvider prices,
    TaskAssembler tasks,
    CpstMetrics metrics) : ISpanBatchSink, IOutcomeSink
{
    private const string Unknown = "unknown";

    public void Consume(SpanBatch batch, Protocol protocol)
    {
        metrics.RejectedSpans.Add(RejectionReason.InvalidTraceId, batch.RejectedFor(RejectionReason.InvalidTraceId));
        metrics.RejectedSpans.Add(RejectionReason.InvalidSpanId, batch.RejectedFor(RejectionReason.InvalidSpanId));
        int count = batch.SpanCount;
        if (count == 0) return;

        ResourceFacts[] resources = ArrayPool<ResourceFacts>.Shared.Rent(batch.ResourceCount);
        SpanFacts[] facts = ArrayPool<SpanFacts>.Shared.Rent(count);
        decimal[] costs = ArrayPool<decimal>.Shared.Rent(count);
        string?[] useCases = ArrayPool<string?>.Shared.Rent(count);
        try
        {
            for (int r = 0; r < batch.ResourceCount; r++) resources[r] = conventions.ReadResource(batch, batch.Resources[r]);

            PriceTable table = prices.Current;
            ReadOnlySpan<SpanRecord> spans = batch.Spans;
            for (int i = 0; i < count; i++)
            {
                ref readonly SpanRecord span = ref spans[i];
                facts[i] = conventions.Read(batch, in span, in resources[span.ResourceIndex]);
                costs[i] = Price(table, in facts[i]);
            }

            // The task stage tells each span's use case as the task knows it now (a root's cpst.use_case
            // beats a child's service.name), so per-call metrics line up with task metrics.
            tasks.Add(facts.AsSpan(0, count), costs.AsSpan(0, count), useCases.AsSpan(0, count));
            for (int i = 0; i < count; i++) RecordCall(in facts[i], costs[i], useCases[i] ?? Unknown, table);

            metrics.ReceivedSpans.Add(protocol, count);
        }
        finally
        {
            ArrayPool<ResourceFacts>.Shared.Return(resources, clearArray: true);
            ArrayPool<SpanFacts>.Shared.Return(facts, clearArray: true);
            ArrayPool<decimal>.Shared.Return(costs);
            ArrayPool<string?>.Shared.Return(useCases, clearArray: true);
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

    /// <summary>An explicit span cost replaces the price table's; an LLM call without a price costs 0.</summary>
    private static decimal Price(PriceTable table, in SpanFacts span)
    {
        if (span.CallCost is decimal explicitCost) return explicitCost;
        return span.Role switch
        {
            SpanRole.Llm => table.FindModel(span.Model ?? Unknown, span.Provider)?.Cost(span.Tokens) ?? 0m,
            SpanRole.Tool => table.FindTool(span.ToolName ?? Unknown) ?? 0m,
            _ => 0m,
        };
    }

    private void RecordCall(in SpanFacts span, decimal cost, string useCase, PriceTable table)
    {
        if (span.Role == SpanRole.Llm)
        {
            string model = span.Model ?? Unknown;
            metrics.RecordLlmCall(useCase, span.Provider ?? Unknown, model, in span.Tokens, cost);
            if (span.CallCost is null && !span.Tokens.IsEmpty && table.FindModel(model, span.Provider) is null)
                metrics.RecordUnpricedCall(useCase, model);
        }
        else if (span.Role == SpanRole.Tool)
        {
            metrics.RecordToolCall(useCase, span.ToolName ?? Unknown, cost);
        }
    }
}
