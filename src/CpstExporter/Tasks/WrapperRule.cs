using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// Counts each LLM call of a task once when libraries nest them (docs/conventions.md): an LLM call with another LLM call below
/// it (a LangChain span over the provider's span, the Vercel AI SDK's <c>ai.generateText</c> over
/// <c>ai.generateText.doGenerate</c>) is a wrapper, and the calls below it count instead.
/// </summary>
/// <remarks>
/// Children end, and so are exported, before their parents; but a parent may still come first. Each arrival walks up
/// its known ancestors, marking them <see cref="SpanMarks.LlmBelow"/>, and stops at the first one already marked, so
/// a span is marked once and the walk costs O(1) per span amortized, bounded by <see cref="MaxDepth"/>. A parent not
/// seen yet gets a placeholder entry carrying the mark, so it is known to be a wrapper when it comes. A counted
/// ancestor whose call is still held (the use case not final yet) is simply uncounted; one already counted into the
/// metrics, or <see cref="SpanMarks.Kept"/> by its task's bound on held calls, stays, and the calls below it are not
/// counted (they repeat its usage).
/// </remarks>
internal static class WrapperRule
{
    /// <summary>How far up a walk goes: nesting of LLM calls in real instrumentation is a few levels deep.</summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// Marks the span at <paramref name="index"/> (just arrived) and its ancestors, and tells whether its call counts.
    /// <paramref name="final"/>: the task's counted calls are already in the metrics, so they cannot be uncounted.
    /// </summary>
    public static bool Counts(ref SpanTable spans, int index, SpanRole role, bool final)
    {
        if (index < 0) return role != SpanRole.Other; // not tracked: the task has more spans than it keeps
        switch (role)
        {
            case SpanRole.Tool:
                spans.At(index).Marks |= SpanMarks.Counted;
                return true;
            case SpanRole.Llm:
                spans.At(index).Marks |= SpanMarks.LlmCall;
                if ((spans.At(index).Marks & SpanMarks.LlmBelow) != 0)
                {
                    // A wrapper. Its entry was a placeholder until now, so its ancestors were not known to the calls
                    // below it: tell them.
                    WalkUp(ref spans, index, final);
                    return false;
                }
                if (WalkUp(ref spans, index, final)) return false;
                spans.At(index).Marks |= SpanMarks.Counted;
                return true;
            default:
                if ((spans.At(index).Marks & SpanMarks.LlmBelow) != 0) WalkUp(ref spans, index, final);
                return false;
        }
    }

    /// <summary>
    /// Tells the ancestors of the span at <paramref name="index"/> that an LLM call is at or below it; true when a
    /// counted LLM call above already covers it. Uncounts held ancestors (<paramref name="index"/>'s task not final), but
    /// not one marked <see cref="SpanMarks.Kept"/>, which counts as if already in the metrics.
    /// </summary>
    private static bool WalkUp(ref SpanTable spans, int index, bool final)
    {
        int depth = 1;
        int at = spans.At(index).Parent;
        while (at >= 0 && depth < MaxDepth)
        {
            ref SpanTable.Entry ancestor = ref spans.At(at);
            if ((ancestor.Marks & SpanMarks.CountedAbove) != 0 ||
                (ancestor.Marks & (SpanMarks.LlmCall | SpanMarks.Counted)) == (SpanMarks.LlmCall | SpanMarks.Counted) &&
                (final || (ancestor.Marks & SpanMarks.Kept) != 0))
            {
                // The spans walked so far are below a counted call: calls that come below them later are covered too.
                for (int i = index; i != at; i = spans.At(i).Parent) spans.At(i).Marks |= SpanMarks.CountedAbove;
                return true;
            }
            if ((ancestor.Marks & SpanMarks.LlmBelow) != 0) return false; // marked by an earlier walk, and all above it too
            if ((ancestor.Marks & SpanMarks.LlmCall) != 0) ancestor.Marks &= ~SpanMarks.Counted; // held, so it can still become the wrapper
            ancestor.Marks |= SpanMarks.LlmBelow;
            if ((ancestor.Marks & SpanMarks.Seen) == 0) return false; // a placeholder: its own walk starts when it arrives
            depth++;
            at = ancestor.Parent;
        }
        return false;
    }
}
