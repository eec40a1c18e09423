using System.Buffers;
using System.Runtime.CompilerServices;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// Adds the spans of one export request to their tasks (<see cref="PendingTask.Merge"/>) and decides which are calls
/// that count: once per span id, wrappers not, under the task's use case once it is final. Spans of finished tasks are
/// late: they add to the finished task's series. Called under <see cref="TaskAssembler"/>'s lock.
/// </summary>
/// <remarks>
/// Two passes. The first merges every span into its task and decides, span by span, whether its call counts; the
/// second counts the calls that still do. So a span later in the same request can still show an earlier one a
/// wrapper, and a task whose root is in the request (the usual case: SDKs export a trace's spans together, root
/// last) counts its calls at once instead of holding them, which would cost an allocation per task.
/// </remarks>
internal sealed class SpanIngest(TaskLifecycle tasks, TaskSweep sweep)
{
    /// <summary>Adds the spans, each with the price the pricing stage gave it; what counts, finishes or is refused goes into <paramref name="decisions"/>.</summary>
    public void Add(ReadOnlySpan<SpanFacts> spans, ReadOnlySpan<CallPrice> prices, TaskDecisions decisions)
    {
        long now = tasks.NowMs();
        int evictionsLeft = tasks.Options.MaxEvictionsPerRequest;
        PendingTask?[] callers = ArrayPool<PendingTask?>.Shared.Rent(spans.Length);
        try
        {
            for (int i = 0; i < spans.Length; i++) callers[i] = Merge(spans, i, in prices[i], now, ref evictionsLeft, decisions);
            for (int i = 0; i < spans.Length; i++)
                if (callers[i] is PendingTask task) CountOrHold(task, in spans[i], in prices[i], decisions);
        }
        finally
        {
            ArrayPool<PendingTask?>.Shared.Return(callers, clearArray: true);
        }
    }

    /// <summary>Merges one span; returns its task when the second pass has work for it: a call that counts, or the root.</summary>
    private PendingTask? Merge(ReadOnlySpan<SpanFacts> spans, int at, in CallPrice price, long now, ref int evictionsLeft, TaskDecisions decisions)
    {
        ref readonly SpanFacts span = ref spans[at];
        if (tasks.TryGetPending(span.TraceId, out PendingTask? task))
        {
            if (!task.Spans.TryArrive(span.SpanId, span.ParentSpanId, out int index))
            {
                decisions.DuplicateSpans++;
                return null;
            }
            bool counts = task.Merge(in span, in price, index, now);
            tasks.Schedule(task);
            return counts ? task : null;
        }
        ref FinishedTask finished = ref tasks.FinishedOrNull(span.TraceId);
        if (!Unsafe.IsNullRef(ref finished))
        {
            if (!finished.Spans.TryArrive(span.SpanId, span.ParentSpanId, out int index)) decisions.DuplicateSpans++;
            else AddLate(ref finished, in span, in price, index, decisions);
            return null;
        }

        if (!sweep.MakeRoom(now, ref evictionsLeft, decisions))
        {
            decisions.RefusedSpans++;
            return null;
        }
        task = tasks.Start(span.TraceId, now, SpansAhead(spans, at));
        task.Spans.TryArrive(span.SpanId, span.ParentSpanId, out int first);
        bool firstCounts = task.Merge(in span, in price, first, now);
        tasks.Schedule(task);
        return firstCounts ? task : null;
    }

    /// <summary>
    /// How many spans of a new task's trace the request holds from <paramref name="at"/> on, looking a few spans ahead:
    /// SDKs export a trace's spans together, so its table is made the right size once instead of growing.
    /// </summary>
    private static int SpansAhead(ReadOnlySpan<SpanFacts> spans, int at)
    {
        const int lookAhead = 32;
        TraceId trace = spans[at].TraceId;
        int count = 1, end = Math.Min(spans.Length, at + lookAhead);
        for (int j = at + 1; j < end; j++)
            if (spans[j].TraceId == trace) count++;
        return Math.Max(SpanTable.InitialCapacity, count);
    }

    /// <summary>The second pass for one call: counted now if the task's use case is final, else held until it is.</summary>
    private void CountOrHold(PendingTask task, in SpanFacts span, in CallPrice price, TaskDecisions decisions)
    {
        if (span.Role == SpanRole.Other)
        {
            if (task.UseCaseFinal && !task.CallsCounted && task.Phase != PendingPhase.New) CountHeld(task, decisions);
            return;
        }
        var call = CountedCall.Of(in span, in price);
        if (task.Phase == PendingPhase.New) // scheduled tasks are in a list; only a finished one is in none
        {
            // Finished while this request was being added (evicted at MaxPending): a late call of the finished task,
            // whose span table went with it.
            ref FinishedTask finished = ref tasks.FinishedOrNull(task.TraceId);
            if (!Unsafe.IsNullRef(ref finished) && finished.Spans.IsCounted(span.SpanId)) CountLate(in finished.Labels, in call, decisions);
            return;
        }
        if (!task.Spans.IsCounted(span.SpanId)) return; // a later span of the request showed it a wrapper
        if (task.UseCaseFinal && !task.CallsCounted) CountHeld(task, decisions);
        if (task.CallsCounted) Count(task, in call, decisions);
        else Hold(task, in call, span.SpanId, decisions); // rare: the root comes in a later request
    }

    /// <summary>
    /// Holds a call until its task's use case is final, within the task's bounds (<see cref="HeldCalls"/>): past them the
    /// call counts whatever arrives below it later, and, past the last, it is counted at once under the use case known now.
    /// </summary>
    private static void Hold(PendingTask task, in CountedCall call, ulong spanId, TaskDecisions decisions)
    {
        int index = task.Spans.IndexOf(spanId);
        switch ((task.Held ??= new HeldCalls()).Hold(in call, spanId, tracked: index >= 0))
        {
            case HoldResult.Summed:
                task.Spans.At(index).Marks |= SpanMarks.Kept;
                break;
            case HoldResult.Refused:
                if (index >= 0 && call.Role == SpanRole.Llm) task.Spans.At(index).Marks |= SpanMarks.Kept;
                Count(task, in call, decisions);
                decisions.EarlyCountedCalls++;
                break;
        }
    }

    /// <summary>Counts the held calls that still count (a later span may have shown one a wrapper) under the use case, now fixed.</summary>
    public static void CountHeld(PendingTask task, TaskDecisions decisions)
    {
        task.UseCaseFinal = task.CallsCounted = true;
        if (task.Held is not { } held) return;
        task.Held = null;
        string useCase = task.UseCase ?? MissingLabels.Unknown;
        foreach (var (calls, count) in held.StillCounting(in task.Spans))
        {
            task.AddCalls(in calls, count);
            decisions.Counted.Add(new CountedCalls(useCase, calls, count));
        }
    }

    /// <summary>Adds a call to its task and counts it under the task's use case (final, unless the task's held calls are at their bound).</summary>
    private static void Count(PendingTask task, in CountedCall call, TaskDecisions decisions)
    {
        task.AddCall(in call);
        decisions.Counted.Add(new CountedCalls(task.UseCase ?? MissingLabels.Unknown, call, 1));
    }

    /// <summary>A span of a finished task: what counts goes to the task counters under the finished task's labels.</summary>
    private static void AddLate(ref FinishedTask finished, in SpanFacts span, in CallPrice price, int index, TaskDecisions decisions)
    {
        bool counts = WrapperRule.Counts(ref finished.Spans, index, span.Role, final: true);
        if (span.Role == SpanRole.Other || !counts)
        {
            decisions.LateSpans.Add((finished.Labels, new LateContribution(span.Role == SpanRole.Other ? price.CostUsd : 0m, 0, 0, 0, 0)));
            return;
        }
        CountLate(in finished.Labels, CountedCall.Of(in span, in price), decisions);
    }

    private static void CountLate(in TaskLabels labels, in CountedCall call, TaskDecisions decisions)
    {
        bool llm = call.Role == SpanRole.Llm;
        decisions.LateSpans.Add((labels, new LateContribution(call.CostUsd, llm ? 1 : 0, llm ? 0 : 1, llm ? call.Tokens.Input : 0, llm ? call.Tokens.Output : 0)));
        decisions.Counted.Add(new CountedCalls(labels.UseCase, call, 1));
    }
}
