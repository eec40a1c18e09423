namespace CpstExporter.Tasks;

/// <summary>
/// What a finished task spent where, for the task API (<c>/api/v1/tasks</c>): its span times, where its outcome came
/// from, its cost split and token classes, and its calls by model and by tool. A value, with the first model's and the
/// first tool's shares inline: a task that used one of each (most do) costs no allocation to finish.
/// </summary>
/// <param name="StartUnixNano">The earliest span start of the task; 0 when no span said.</param>
/// <param name="EndUnixNano">The latest span end of the task; 0 when no span said.</param>
/// <param name="FirstModel">The first model's share; <c>default</c> (no name) without LLM calls.</param>
/// <param name="FirstTool">The first tool's share; <c>default</c> without tool calls.</param>
/// <param name="AllCalls">
/// Every share, models first, in the first <paramref name="CallCount"/> entries, when the task used more than one model
/// or tool; else null. Rented from <see cref="CallShare.Pool"/>: whoever keeps the breakdown
/// returns it (<see cref="ReturnCalls"/>), so finishing such a task allocates nothing once the pool is warm.
/// </param>
internal readonly record struct TaskBreakdown(
    ulong StartUnixNano,
    ulong EndUnixNano,
    OutcomeSource OutcomeSource,
    decimal InferenceCostUsd,
    decimal ToolCostUsd,
    long CacheReadTokens,
    long CacheWriteTokens,
    long ReasoningTokens,
    CallShare FirstModel,
    CallShare FirstTool,
    CallShare[]? AllCalls,
    int CallCount)
{
    /// <summary>The task's calls by model, then by tool, each in order of first use: a new array.</summary>
    public CallShare[] Calls() => AllCalls is not null ? AllCalls.AsSpan(0, CallCount).ToArray() : (FirstModel.Name, FirstTool.Name) switch
    {
        (null, null) => [],
        (_, null) => [FirstModel],
        (null, _) => [FirstTool],
        _ => [FirstModel, FirstTool],
    };

    /// <summary>This breakdown with its calls in an array of its own, which it keeps.</summary>
    public TaskBreakdown WithOwnCalls() => AllCalls is null ? this : this with { AllCalls = Calls() };

    /// <summary>Gives the rented array of calls back; the breakdown must not be read after.</summary>
    public void ReturnCalls()
    {
        if (AllCalls is not null) CallShare.Pool.Return(AllCalls, clearArray: true);
    }
}
