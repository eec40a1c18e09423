using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary>
/// The task counters of one task label set: <c>cpst_tasks_total</c>, <c>cpst_task_cost_usd_total</c>,
/// <c>cpst_task_llm_calls_total</c>, <c>cpst_task_tool_calls_total</c>, <c>cpst_task_tokens_total</c>.
/// </summary>
internal sealed class TaskSeries(string[] labelValues) : Series(labelValues)
{
    private TaskValues _values;

    public void Add(in TaskValues values, in Exemplar exemplar)
    {
        lock (Sync)
        {
            _values = new TaskValues(
                Saturating.Add(_values.Tasks, values.Tasks),
                Saturating.Add(_values.CostUsd, values.CostUsd),
                Saturating.Add(_values.LlmCalls, values.LlmCalls),
                Saturating.Add(_values.ToolCalls, values.ToolCalls),
                Saturating.Add(_values.InputTokens, values.InputTokens),
                Saturating.Add(_values.OutputTokens, values.OutputTokens),
                exemplar.IsEmpty ? _values.CostExemplar : exemplar);
        }
    }

    public TaskValues Read()
    {
        lock (Sync) return _values;
    }
}
