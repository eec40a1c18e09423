namespace CpstExporter.Tasks;

/// <summary>What <see cref="HeldCalls.Hold"/> did with a call.</summary>
internal enum HoldResult : byte
{
    /// <summary>Held: with its span id when a later span may still take it back, summed with its kind otherwise.</summary>
    Held,
    /// <summary>
    /// Summed with its kind although a later span could have taken it back: the task holds as many kinds of calls with
    /// span ids as it may. The caller marks its span <see cref="SpanMarks.Kept"/>.
    /// </summary>
    Summed,
    /// <summary>Not held: the task holds as many kinds of summed calls as it may. The caller counts it at once.</summary>
    Refused,
}
