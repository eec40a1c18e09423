using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// One planned task as the <see cref="SimulatedModel"/> and the <see cref="DemoTools"/> play it: its calls in order,
/// each taken by the model or the tool it names, and the task's own clock. It travels with the request, in
/// <see cref="ChatOptions.AdditionalProperties"/>, so one chat client pipeline serves every task.
/// </summary>
/// <remarks>
/// Nothing waits for a model or a tool: each step takes its planned duration on the task's clock, and the span that
/// Microsoft.Extensions.AI opened for the step is dated accordingly. The task is played when it is due to end, its
/// clock started that long before, so the exporter receives what a real agent would send at that moment.
/// </remarks>
internal sealed class TaskScript
{
    /// <summary>The key of the script in <see cref="ChatOptions.AdditionalProperties"/>.</summary>
    public const string OptionsKey = "cpst.demo.task_script";

    private const string OperationAttribute = "gen_ai.operation.name";
    private readonly IReadOnlyList<CallShape> _calls;
    private int _next;
    private DateTimeOffset _at;

    public TaskScript(TaskShape task, DateTimeOffset start)
    {
        _calls = task.Calls;
        _at = start;
    }

    /// <summary>Whether every call of the plan was made.</summary>
    public bool Done => _next == _calls.Count;

    /// <summary>The script of the request these options belong to.</summary>
    public static TaskScript Of(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(OptionsKey, out object? script) is true && script is TaskScript taskScript ? taskScript
            : throw new InvalidOperationException($"the request carries no task script: put one in ChatOptions.AdditionalProperties[\"{OptionsKey}\"]");

    /// <summary>
    /// Takes the next step, which must be an LLM call of <paramref name="model"/>, and returns it with the tools the plan
    /// calls right after it: the ones the model asks for in its answer.
    /// </summary>
    public (CallShape Call, IReadOnlyList<string> Tools) TakeLlmCall(ModelSpec model)
    {
        CallShape call = Take(CallKind.Llm, model.Name);
        var tools = new List<string>();
        for (int i = _next; i < _calls.Count && _calls[i].Kind == CallKind.Tool; i++) tools.Add(_calls[i].Tool!);
        Spend(call, "chat");
        return (call, tools);
    }

    /// <summary>Takes the next step, which must be a call of <paramref name="tool"/>.</summary>
    public void TakeToolCall(string tool) => Spend(Take(CallKind.Tool, tool), "execute_tool");

    private CallShape Take(CallKind kind, string name)
    {
        if (Done) throw new InvalidOperationException($"the task's plan has no step left for {name}");
        CallShape call = _calls[_next];
        string planned = call.Kind == CallKind.Llm ? call.Model!.Name : call.Tool!;
        if (call.Kind != kind || planned != name)
            throw new InvalidOperationException($"step {_next + 1} of the task's plan is {planned}, not {name}");
        _next++;
        return call;
    }

    /// <summary>
    /// Moves the clock on by the step's duration and dates the step's span, the current activity when the
    /// instrumentation opened one for it (its <c>gen_ai.operation.name</c> says so), from the step's start to its end.
    /// </summary>
    private void Spend(CallShape call, string operation)
    {
        DateTimeOffset end = _at + TimeSpan.FromSeconds(call.DurationSeconds);
        if (Activity.Current is { } span && span.GetTagItem(OperationAttribute) as string == operation)
        {
            span.SetStartTime(_at.UtcDateTime);
            span.SetEndTime(end.UtcDateTime);
        }
        _at = end;
    }
}
