namespace CpstExporter.Tasks;

/// <summary>What the task stage knows of one span id of a task.</summary>
[Flags]
internal enum SpanMarks : byte
{
    None = 0,
    /// <summary>The span itself arrived; a second arrival is a duplicate. Without it the entry stands for a parent not seen yet.</summary>
    Seen = 1,
    LlmCall = 2,
    /// <summary>The span's call counts (for an LLM call: no LLM call below it, none counted above it).</summary>
    Counted = 4,
    /// <summary>An LLM call is below this span: an LLM call marked so is a wrapper and does not count.</summary>
    LlmBelow = 8,
    /// <summary>An LLM call above this span was counted already: LLM calls below it repeat its usage and do not count.</summary>
    CountedAbove = 16,
    /// <summary>
    /// The LLM call counts whatever arrives below it later, as one already in the metrics does: its task held as many
    /// kinds of calls as it keeps (<see cref="HeldCalls"/>), so it was folded with others or counted early, without the
    /// span id that could take it back.
    /// </summary>
    Kept = 32,
}
