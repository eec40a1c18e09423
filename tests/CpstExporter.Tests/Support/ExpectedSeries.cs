using System.Globalization;

namespace CpstExporter.Tests.Support;

/// <summary>
/// What a test expects of the task and per-call families (docs/reference.md, "Metrics"), series by series and to the last digit, and
/// that those families hold no other series: a call counted twice, under another model, provider or use case, shows as
/// a wrong value or an unexpected series. Adding a series twice adds its values, as several tasks with one label set do.
/// </summary>
internal sealed class ExpectedSeries
{
    /// <summary>The families checked whole: every series in them must be expected.</summary>
    public static readonly string[] Families =
    [
        "cpst_tasks_total", "cpst_task_cost_usd_total", "cpst_task_llm_calls_total", "cpst_task_tool_calls_total",
        "cpst_task_tokens_total", "cpst_llm_calls_total", "cpst_llm_tokens_total", "cpst_llm_cost_usd_total",
        "cpst_unpriced_llm_calls_total", "cpst_tool_calls_total", "cpst_tool_cost_usd_total",
    ];

    private readonly Dictionary<(string Family, string Labels), decimal> _series = new();

    /// <summary>A finished task (or several with the same labels): all five task families.</summary>
    public ExpectedSeries Task(string useCase, string outcome, string model, decimal costUsd, long llmCalls, long toolCalls,
        long inputTokens, long outputTokens, long tasks = 1)
    {
        string labels = $"use_case=\"{useCase}\",outcome=\"{outcome}\",model=\"{model}\",environment=\"none\",variant=\"none\"";
        Add("cpst_tasks_total", labels, tasks);
        Add("cpst_task_cost_usd_total", labels, costUsd);
        Add("cpst_task_llm_calls_total", labels, llmCalls);
        Add("cpst_task_tool_calls_total", labels, toolCalls);
        Add("cpst_task_tokens_total", labels + ",token_type=\"input\"", inputTokens);
        Add("cpst_task_tokens_total", labels + ",token_type=\"output\"", outputTokens);
        return this;
    }

    /// <summary>LLM calls of one (use case, provider, model): calls, the five token types and cost.</summary>
    public ExpectedSeries LlmCalls(string useCase, string provider, string model, long calls, long input, long output,
        long cacheRead, long cacheWrite, long reasoning, decimal costUsd)
    {
        string labels = $"use_case=\"{useCase}\",provider=\"{provider}\",model=\"{model}\"";
        Add("cpst_llm_calls_total", labels, calls);
        Add("cpst_llm_tokens_total", labels + ",token_type=\"input\"", input);
        Add("cpst_llm_tokens_total", labels + ",token_type=\"output\"", output);
        Add("cpst_llm_tokens_total", labels + ",token_type=\"cache_read\"", cacheRead);
        Add("cpst_llm_tokens_total", labels + ",token_type=\"cache_write\"", cacheWrite);
        Add("cpst_llm_tokens_total", labels + ",token_type=\"reasoning\"", reasoning);
        Add("cpst_llm_cost_usd_total", labels, costUsd);
        return this;
    }

    public ExpectedSeries ToolCalls(string useCase, string tool, long calls, decimal costUsd)
    {
        string labels = $"use_case=\"{useCase}\",tool=\"{tool}\"";
        Add("cpst_tool_calls_total", labels, calls);
        Add("cpst_tool_cost_usd_total", labels, costUsd);
        return this;
    }

    public ExpectedSeries UnpricedCalls(string useCase, string model, long calls)
    {
        Add("cpst_unpriced_llm_calls_total", $"use_case=\"{useCase}\",model=\"{model}\"", calls);
        return this;
    }

    /// <summary>
    /// Fails with every difference at once (a miscounted call shows with all the costs it moved) unless the families
    /// hold exactly the expected series and values, and no line of the exposition names one of <paramref name="foreignUseCases"/>.
    /// </summary>
    public void AssertExactly(string exposition, params string[] foreignUseCases)
    {
        var wrong = new List<string>();
        foreach (string family in Families)
        {
            var actual = new Dictionary<string, decimal>(StringComparer.Ordinal);
            foreach (var (labels, value) in MetricsText.Samples(exposition, family)) actual[labels] = value;
            foreach (var ((expectedFamily, labels), value) in _series.Where(s => s.Key.Family == family).OrderBy(s => s.Key.Labels, StringComparer.Ordinal))
            {
                if (!actual.Remove(labels, out decimal found)) wrong.Add($"{expectedFamily}{{{labels}}}: expected {Format(value)}, got no sample");
                else if (found != value) wrong.Add($"{expectedFamily}{{{labels}}}: expected {Format(value)}, got {Format(found)}");
            }
            wrong.AddRange(actual.Select(a => $"{family}{{{a.Key}}}: expected no sample, got {Format(a.Value)}"));
        }
        foreach (string useCase in foreignUseCases)
            wrong.AddRange(exposition.Split('\n').Where(l => l.Contains($"use_case=\"{useCase}\"", StringComparison.Ordinal))
                .Select(l => $"a series under use case {useCase}: {l}"));
        Assert.True(wrong.Count == 0, $"{wrong.Count} series wrong:\n{string.Join('\n', wrong)}\n\n{exposition}");
    }

    private void Add(string family, string labels, decimal value) =>
        _series[(family, labels)] = _series.GetValueOrDefault((family, labels)) + value;

    private static string Format(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
