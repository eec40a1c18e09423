using System.Globalization;
using System.Text.Json;

namespace CpstExporter.Tests.Support;

/// <summary>
/// How a client test expects its use case's outcome policy (docs/operations.md, "How success is decided") to have
/// decided each of its tasks: per task, its <c>outcome</c>, <c>outcome_source</c> and <c>evaluations</c> as
/// <c>GET /api/v1/tasks/{trace_id}</c> answers them; and from those, exactly the series of
/// <c>cpst_outcomes_by_source_total</c> (one per task, by the signal that decided) and <c>cpst_evaluations_total</c>
/// (one per evaluation a task kept). List every task of the run: the two families are checked whole. And no evaluation
/// event the agent sent was ignored: <c>cpst_ignored_log_records_total</c> counts only the other log records the
/// libraries sent (<see cref="IgnoredLogRecords"/>), and no span event was ignored
/// (<c>cpst_ignored_attributes_total{reason="invalid_evaluation_event"}</c>).
/// </summary>
internal sealed class ExpectedOutcomes(string useCase)
{
    private static readonly HttpClient Client = new();

    private readonly List<(string TraceId, string Outcome, string Source, ExpectedEvaluation[] Evaluations)> _tasks = [];
    private readonly Dictionary<string, decimal> _ignoredLogRecords = new(StringComparer.Ordinal);

    /// <summary>A finished task: its outcome, the signal that decided it and the evaluations it kept, in the task API's order.</summary>
    public ExpectedOutcomes Task(string traceId, string outcome, string source, params ExpectedEvaluation[] evaluations)
    {
        _tasks.Add((traceId, outcome, source, evaluations));
        return this;
    }

    /// <summary>Log records that are no evaluation events, or unusable ones, that the exporter ignored for <paramref name="reason"/>.</summary>
    public ExpectedOutcomes IgnoredLogRecords(string reason, long records)
    {
        _ignoredLogRecords[$"reason=\"{reason}\""] = _ignoredLogRecords.GetValueOrDefault($"reason=\"{reason}\"") + records;
        return this;
    }

    /// <summary>Fails with every difference at once: each task's row, then both families against what the tasks add up to.</summary>
    public async Task AssertAsync(ExporterUnderTest exporter, string exposition)
    {
        var wrong = new List<string>();
        var bySource = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var evaluations = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (traceId, outcome, source, expected) in _tasks)
        {
            string key = $"use_case=\"{useCase}\",source=\"{source}\",outcome=\"{outcome}\"";
            bySource[key] = bySource.GetValueOrDefault(key) + 1;
            foreach (ExpectedEvaluation evaluation in expected)
            {
                key = $"use_case=\"{useCase}\",evaluation=\"{evaluation.Name}\",result=\"{evaluation.Result}\"";
                evaluations[key] = evaluations.GetValueOrDefault(key) + 1;
            }

            using HttpResponseMessage response = await Client.GetAsync(new Uri(exporter.MetricsAddress, $"/api/v1/tasks/{traceId}"));
            string body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                wrong.Add($"task {traceId}: the task API answered {(int)response.StatusCode}: {body}");
                continue;
            }
            JsonElement row = JsonDocument.Parse(body).RootElement;
            string actual = Describe(row.GetProperty("outcome").GetString(), row.GetProperty("outcome_source").GetString(),
                row.GetProperty("evaluations").EnumerateArray().Select(e => new ExpectedEvaluation(
                    e.GetProperty("name").GetString()!, e.GetProperty("result").GetString()!,
                    e.GetProperty("score").ValueKind == JsonValueKind.Null ? null : e.GetProperty("score").GetDouble())));
            string wanted = Describe(outcome, source, expected);
            if (actual != wanted) wrong.Add($"task {traceId}: expected {wanted}, got {actual}");
        }
        CompareFamily(exposition, "cpst_outcomes_by_source_total", bySource, wrong);
        CompareFamily(exposition, "cpst_evaluations_total", evaluations, wrong);
        // Every reason is listed, most at 0.
        wrong.AddRange(MetricsText.Samples(exposition, "cpst_ignored_log_records_total")
            .Where(s => s.Value != _ignoredLogRecords.GetValueOrDefault(s.Labels))
            .Select(s => $"cpst_ignored_log_records_total{{{s.Labels}}}: expected {_ignoredLogRecords.GetValueOrDefault(s.Labels)}, got {s.Value}"));
        wrong.AddRange(_ignoredLogRecords.Keys.Where(labels => MetricsText.Value(exposition, $"cpst_ignored_log_records_total{{{labels}}}") is null)
            .Select(labels => $"cpst_ignored_log_records_total{{{labels}}}: expected {_ignoredLogRecords[labels]}, got no sample"));
        if (MetricsText.Value(exposition, "cpst_ignored_attributes_total{reason=\"invalid_evaluation_event\"}") is > 0 and decimal ignored)
            wrong.Add($"cpst_ignored_attributes_total{{reason=\"invalid_evaluation_event\"}}: expected 0, got {ignored}");
        Assert.True(wrong.Count == 0, $"{wrong.Count} differences:\n{string.Join('\n', wrong)}\n\n{exposition}");
    }

    private static string Describe(string? outcome, string? source, IEnumerable<ExpectedEvaluation> evaluations) =>
        $"{outcome} by {source}, evaluations [{string.Join(", ", evaluations.Select(e => $"{e.Name} {e.Result} {Format(e.Score)}"))}]";

    private static string Format(double? score) => score?.ToString("R", CultureInfo.InvariantCulture) ?? "no score";

    /// <summary>Every series of a family must be expected, with its value to the last digit.</summary>
    private static void CompareFamily(string exposition, string family, Dictionary<string, decimal> expected, List<string> wrong)
    {
        var actual = MetricsText.Samples(exposition, family).ToDictionary(s => s.Labels, s => s.Value, StringComparer.Ordinal);
        foreach (var (labels, value) in expected.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!actual.Remove(labels, out decimal found)) wrong.Add($"{family}{{{labels}}}: expected {value}, got no sample");
            else if (found != value) wrong.Add($"{family}{{{labels}}}: expected {value}, got {found}");
        }
        wrong.AddRange(actual.Select(a => $"{family}{{{a.Key}}}: expected no sample, got {a.Value}"));
    }
}
