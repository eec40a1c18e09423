using System.Globalization;
using System.Text.Json;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// What a client test expects of tasks whose calls were priced at the service tier that served them: per task, its
/// cost and its <c>calls</c> rows as <c>GET /api/v1/tasks/{trace_id}</c> answers them (for a model, how its calls were
/// priced: calls per <c>basis</c> and per <c>service_tier</c>); for the whole run, the series of
/// <c>cpst_llm_calls_by_basis_total</c> and <c>cpst_llm_cost_by_basis_usd_total</c> and of
/// <c>cpst_unpriced_service_tier_calls_total</c>, exactly. And that the three views agree: the per-call series sum to
/// the per-task series, and both to the task API's tasks.
/// </summary>
internal sealed class ServedTierExpectations
{
    private static readonly HttpClient Client = new();

    private readonly List<ExpectedTask> _tasks = [];
    private readonly Dictionary<string, (long Calls, decimal CostUsd)> _byBasis = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _unpricedTiers = new(StringComparer.Ordinal);

    /// <summary>
    /// The shipped price table (<c>src/CpstExporter/pricing.yaml</c>) with one more tool price at the end of its
    /// <c>tools</c> list, written to <paramref name="directory"/>: every model at its shipped prices, and the agent's own
    /// tool at a price of its own, as an operator's copy of the table would have it. Returns the file's path.
    /// </summary>
    public static string ShippedTableWithTool(string directory, string tool, decimal perCall)
    {
        string shipped = File.ReadAllText(RepoFiles.Path("src", "CpstExporter", "pricing.yaml"));
        // Appending to the tools list needs it last; were it not, the entry would land in another list and the table fail to load.
        Assert.Matches(@"\ntools:\n(?:[ #].*\n|\n)*$", shipped.ReplaceLineEndings("\n").TrimEnd() + "\n");
        string path = Path.Combine(directory, "pricing.yaml");
        File.WriteAllText(path, $"{shipped.TrimEnd()}\n  - name: {tool}\n    per_call: {perCall.ToString(CultureInfo.InvariantCulture)}\n");
        return path;
    }

    /// <summary>A finished task: its cost and every row of its <c>calls</c>, in the task API's order (models, then tools).</summary>
    public ServedTierExpectations Task(string traceId, decimal costUsd, params CallRow[] calls)
    {
        _tasks.Add(new ExpectedTask(traceId, costUsd, calls));
        return this;
    }

    /// <summary>LLM calls of a use case priced on one basis at one served tier: both by-basis families.</summary>
    public ServedTierExpectations ByBasis(string useCase, string basis, string serviceTier, long calls, decimal costUsd)
    {
        string labels = $"use_case=\"{useCase}\",basis=\"{basis}\",service_tier=\"{serviceTier}\"";
        var (c, cost) = _byBasis.GetValueOrDefault(labels);
        _byBasis[labels] = (c + calls, cost + costUsd);
        return this;
    }

    /// <summary>Calls served at a tier their price entry has no rate for.</summary>
    public ServedTierExpectations UnpricedServiceTier(string model, string serviceTier, long calls)
    {
        string labels = $"model=\"{model}\",service_tier=\"{serviceTier}\"";
        _unpricedTiers[labels] = _unpricedTiers.GetValueOrDefault(labels) + calls;
        return this;
    }

    /// <summary>
    /// Reads every expected task from the task API and fails with every difference at once: the by-basis and
    /// unpriced-tier series against what was expected, each task's row against its expectation, and the per-call
    /// series, the per-task series and the task API against each other.
    /// </summary>
    public async Task AssertAsync(ExporterUnderTest exporter, string exposition)
    {
        var wrong = new List<string>();
        CompareFamily(exposition, "cpst_llm_calls_by_basis_total", _byBasis.ToDictionary(e => e.Key, e => (decimal)e.Value.Calls), wrong);
        CompareFamily(exposition, "cpst_llm_cost_by_basis_usd_total", _byBasis.ToDictionary(e => e.Key, e => e.Value.CostUsd), wrong);
        CompareFamily(exposition, "cpst_unpriced_service_tier_calls_total", _unpricedTiers.ToDictionary(e => e.Key, e => (decimal)e.Value), wrong);
        if (MetricsText.Value(exposition, "cpst_ignored_attributes_total{reason=\"unknown_service_tier\"}") is > 0 and decimal ignored)
            wrong.Add($"cpst_ignored_attributes_total{{reason=\"unknown_service_tier\"}}: expected 0, got {Format(ignored)}");

        var rows = new List<JsonElement>();
        foreach (ExpectedTask task in _tasks)
        {
            JsonElement? row = await TaskRowAsync(exporter, task.TraceId, wrong);
            if (row is not { } found) continue;
            rows.Add(found);
            CompareTask(found, task, wrong);
        }
        if (rows.Count == _tasks.Count) Agree(exposition, rows, wrong);
        Assert.True(wrong.Count == 0, $"{wrong.Count} differences:\n{string.Join('\n', wrong)}\n\n{exposition}");
    }

    private static async Task<JsonElement?> TaskRowAsync(ExporterUnderTest exporter, string traceId, List<string> wrong)
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri(exporter.MetricsAddress, $"/api/v1/tasks/{traceId}"));
        string body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            wrong.Add($"task {traceId}: the task API answered {(int)response.StatusCode}: {body}");
            return null;
        }
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The task's cost and each <c>calls</c> row: kind, name, calls, cost and, for a model, its basis and tier counts.</summary>
    private static void CompareTask(JsonElement row, ExpectedTask task, List<string> wrong)
    {
        string at = $"task {task.TraceId}";
        decimal cost = row.GetProperty("cost_usd").GetDecimal();
        if (cost != task.CostUsd) wrong.Add($"{at}: cost_usd expected {Format(task.CostUsd)}, got {Format(cost)}");
        string[] expected = task.Calls.Select(Describe).ToArray();
        string[] actual = row.GetProperty("calls").EnumerateArray().Select(Describe).ToArray();
        if (!expected.SequenceEqual(actual))
            wrong.Add($"{at}: calls expected\n    {string.Join("\n    ", expected)}\n  got\n    {string.Join("\n    ", actual)}");
    }

    private static string Describe(CallRow row) => row.Kind == "llm"
        ? $"llm {row.Name}: {row.Calls} calls, {Format(row.CostUsd)} USD, basis {Counts(row.Basis)}, service_tier {Counts(row.ServiceTier)}"
        : $"{row.Kind} {row.Name}: {row.Calls} calls, {Format(row.CostUsd)} USD";

    private static string Describe(JsonElement row)
    {
        string kind = row.GetProperty("kind").GetString()!;
        string head = $"{kind} {row.GetProperty("name").GetString()}: {row.GetProperty("calls").GetInt32()} calls, " +
            $"{Format(row.GetProperty("cost_usd").GetDecimal())} USD";
        if (kind != "llm") return head;
        return $"{head}, basis {Counts(CountsOf(row, "basis"))}, service_tier {Counts(CountsOf(row, "service_tier"))}";
    }

    private static Dictionary<string, int> CountsOf(JsonElement row, string property) =>
        row.TryGetProperty(property, out JsonElement counts)
            ? counts.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32())
            : [];

    private static string Counts(IReadOnlyDictionary<string, int>? counts) =>
        counts is null || counts.Count == 0 ? "{}" : "{" + string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}: {c.Value}")) + "}";

    /// <summary>
    /// The three views of the same calls agree: LLM calls and cost by basis sum to <c>cpst_llm_calls_total</c> and
    /// <c>cpst_llm_cost_usd_total</c>; LLM and tool cost sum to <c>cpst_task_cost_usd_total</c>; the task API's tasks sum
    /// to the task series (cost, LLM and tool calls), their rows to each task, and their basis and tier counts to the
    /// by-basis series.
    /// </summary>
    private static void Agree(string exposition, List<JsonElement> tasks, List<string> wrong)
    {
        decimal llmCost = MetricsText.Sum(exposition, "cpst_llm_cost_usd_total");
        decimal llmCalls = MetricsText.Sum(exposition, "cpst_llm_calls_total");
        decimal toolCost = MetricsText.Sum(exposition, "cpst_tool_cost_usd_total");
        decimal toolCalls = MetricsText.Sum(exposition, "cpst_tool_calls_total");
        decimal taskCost = MetricsText.Sum(exposition, "cpst_task_cost_usd_total");
        Same("sum(cpst_llm_cost_by_basis_usd_total)", MetricsText.Sum(exposition, "cpst_llm_cost_by_basis_usd_total"), "sum(cpst_llm_cost_usd_total)", llmCost, wrong);
        Same("sum(cpst_llm_calls_by_basis_total)", MetricsText.Sum(exposition, "cpst_llm_calls_by_basis_total"), "sum(cpst_llm_calls_total)", llmCalls, wrong);
        Same("sum(cpst_llm_cost_usd_total) + sum(cpst_tool_cost_usd_total)", llmCost + toolCost, "sum(cpst_task_cost_usd_total)", taskCost, wrong);
        Same("sum(cpst_task_llm_calls_total)", MetricsText.Sum(exposition, "cpst_task_llm_calls_total"), "sum(cpst_llm_calls_total)", llmCalls, wrong);
        Same("sum(cpst_task_tool_calls_total)", MetricsText.Sum(exposition, "cpst_task_tool_calls_total"), "sum(cpst_tool_calls_total)", toolCalls, wrong);
        Same("the task API's tasks", tasks.Count, "sum(cpst_tasks_total)", MetricsText.Sum(exposition, "cpst_tasks_total"), wrong);
        Same("the task API's cost_usd summed", tasks.Sum(t => t.GetProperty("cost_usd").GetDecimal()), "sum(cpst_task_cost_usd_total)", taskCost, wrong);
        Same("the task API's llm_calls summed", tasks.Sum(t => t.GetProperty("llm_calls").GetInt32()), "sum(cpst_llm_calls_total)", llmCalls, wrong);
        Same("the task API's tool_calls summed", tasks.Sum(t => t.GetProperty("tool_calls").GetInt32()), "sum(cpst_tool_calls_total)", toolCalls, wrong);

        var basisCalls = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var tierCalls = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (JsonElement task in tasks)
        {
            string at = $"task {task.GetProperty("trace_id").GetString()}";
            JsonElement[] rows = task.GetProperty("calls").EnumerateArray().ToArray();
            JsonElement[] llm = rows.Where(r => r.GetProperty("kind").GetString() == "llm").ToArray();
            Same($"{at}: its calls' cost_usd summed", rows.Sum(r => r.GetProperty("cost_usd").GetDecimal()), "its cost_usd", task.GetProperty("cost_usd").GetDecimal(), wrong);
            Same($"{at}: its models' cost_usd summed", llm.Sum(r => r.GetProperty("cost_usd").GetDecimal()), "its inference_cost_usd", task.GetProperty("inference_cost_usd").GetDecimal(), wrong);
            foreach (JsonElement model in llm)
            {
                int calls = model.GetProperty("calls").GetInt32();
                Dictionary<string, int> basis = CountsOf(model, "basis"), tiers = CountsOf(model, "service_tier");
                Same($"{at}: {model.GetProperty("name").GetString()}'s basis counts summed", basis.Values.Sum(), "its calls", calls, wrong);
                Same($"{at}: {model.GetProperty("name").GetString()}'s service_tier counts summed", tiers.Values.Sum(), "its calls", calls, wrong);
                foreach (var (name, count) in basis) basisCalls[name] = basisCalls.GetValueOrDefault(name) + count;
                foreach (var (name, count) in tiers) tierCalls[name] = tierCalls.GetValueOrDefault(name) + count;
            }
        }
        var seriesByBasis = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var seriesByTier = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (labels, value) in MetricsText.Samples(exposition, "cpst_llm_calls_by_basis_total"))
        {
            string basis = Label(labels, "basis"), tier = Label(labels, "service_tier");
            seriesByBasis[basis] = seriesByBasis.GetValueOrDefault(basis) + value;
            seriesByTier[tier] = seriesByTier.GetValueOrDefault(tier) + value;
        }
        foreach (string basis in basisCalls.Keys.Union(seriesByBasis.Keys).Where(b => basisCalls.GetValueOrDefault(b) != seriesByBasis.GetValueOrDefault(b)))
            wrong.Add($"basis {basis}: the task API counts {Format(basisCalls.GetValueOrDefault(basis))} calls, cpst_llm_calls_by_basis_total {Format(seriesByBasis.GetValueOrDefault(basis))}");
        foreach (string tier in tierCalls.Keys.Union(seriesByTier.Keys).Where(t => tierCalls.GetValueOrDefault(t) != seriesByTier.GetValueOrDefault(t)))
            wrong.Add($"service_tier {tier}: the task API counts {Format(tierCalls.GetValueOrDefault(tier))} calls, cpst_llm_calls_by_basis_total {Format(seriesByTier.GetValueOrDefault(tier))}");
    }

    private static void Same(string what, decimal value, string other, decimal otherValue, List<string> wrong)
    {
        if (value != otherValue) wrong.Add($"{what} = {Format(value)}, but {other} = {Format(otherValue)}");
    }

    /// <summary>Every series of a family must be expected, with its value to the last digit.</summary>
    private static void CompareFamily(string exposition, string family, Dictionary<string, decimal> expected, List<string> wrong)
    {
        var actual = MetricsText.Samples(exposition, family).ToDictionary(s => s.Labels, s => s.Value, StringComparer.Ordinal);
        foreach (var (labels, value) in expected.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!actual.Remove(labels, out decimal found)) wrong.Add($"{family}{{{labels}}}: expected {Format(value)}, got no sample");
            else if (found != value) wrong.Add($"{family}{{{labels}}}: expected {Format(value)}, got {Format(found)}");
        }
        wrong.AddRange(actual.Select(a => $"{family}{{{a.Key}}}: expected no sample, got {Format(a.Value)}"));
    }

    /// <summary>One label's value in a label set of this project's series (values without quotes or backslashes).</summary>
    private static string Label(string labels, string name)
    {
        string prefix = name + "=\"";
        foreach (string pair in labels.Split(','))
            if (pair.StartsWith(prefix, StringComparison.Ordinal)) return pair[prefix.Length..^1];
        return "";
    }

    /// <summary>Without trailing zeros, so that equal amounts of another scale read the same in a row's description.</summary>
    private static string Format(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    private sealed record ExpectedTask(string TraceId, decimal CostUsd, CallRow[] Calls);
}

/// <summary>One row of a task's <c>calls</c> in the task API; for a model, its calls per pricing basis and per served tier.</summary>
internal sealed record CallRow(string Kind, string Name, int Calls, decimal CostUsd,
    IReadOnlyDictionary<string, int>? Basis = null, IReadOnlyDictionary<string, int>? ServiceTier = null)
{
    /// <summary>A model whose calls were all priced on one basis at one served tier.</summary>
    public static CallRow Llm(string model, int calls, decimal costUsd, string basis, string serviceTier) =>
        new("llm", model, calls, costUsd, new Dictionary<string, int> { [basis] = calls }, new Dictionary<string, int> { [serviceTier] = calls });

    public static CallRow Tool(string tool, int calls, decimal costUsd) => new("tool", tool, calls, costUsd);
}
