using System.Text.Json;
using CpstExporter.Aggregation;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Exposition;

/// <summary>
/// The task API (docs/reference.md): recently finished tasks as JSON, shaped for Grafana's Infinity datasource — flat
/// arrays of rows with snake_case fields, times in RFC 3339. <c>GET /api/v1/tasks</c> filters and sorts,
/// <c>GET /api/v1/tasks/{trace_id}</c> adds the calls by model and by tool, <c>GET /api/v1/use_cases</c> lists the use
/// cases for a dashboard variable. A response holds at most <see cref="TaskQuery.MaxLimit"/> rows. Each is a route of
/// its own (<c>Hosting/ListenerRoutes.cs</c>) with a handler of its own; the trace id is the route's parameter.
/// </summary>
internal sealed class TaskApiEndpoint(RecentTasks recent)
{
    public const string TasksPath = "/api/v1/tasks";
    public const string UseCasesPath = "/api/v1/use_cases";

    /// <summary>
    /// The trace id route catches the rest of the path, so that <c>/api/v1/tasks/</c> or <c>/api/v1/tasks/a/b</c> gets
    /// the API's 400 saying what a trace id is rather than a bare 404.
    /// </summary>
    public const string TaskPattern = TasksPath + "/{**" + TraceIdParameter + "}";

    private const string TraceIdParameter = "trace_id";

    private static readonly JsonWriterOptions Options = new() { Indented = false };

    /// <summary><c>GET /api/v1/tasks</c>: finished tasks, filtered and sorted by the query.</summary>
    public Task TasksAsync(HttpContext context)
    {
        if (TaskQuery.Parse(context.Request.Query, out string? error) is not { } query) return BadRequest(context, error!);
        List<TaskRecord> found = recent.Where(task => query.Matches(in task));
        found.Sort(query.ByCost ? MostExpensiveFirst : NewestFirst);
        return WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartArray();
            for (int i = 0; i < Math.Min(found.Count, query.Limit); i++) WriteRow(json, found[i], withCalls: false);
            json.WriteEndArray();
        });
    }

    /// <summary>By end, then by finish, then by trace id: the same tasks always come in the same order.</summary>
    private static int NewestFirst(TaskRecord a, TaskRecord b)
    {
        int byEnd = TaskTimes.End(in b).CompareTo(TaskTimes.End(in a));
        if (byEnd != 0) return byEnd;
        int byFinish = b.FinishedAt.CompareTo(a.FinishedAt);
        return byFinish != 0 ? byFinish : (b.TraceId.High, b.TraceId.Low).CompareTo((a.TraceId.High, a.TraceId.Low));
    }

    private static int MostExpensiveFirst(TaskRecord a, TaskRecord b)
    {
        int byCost = b.CostUsd.CompareTo(a.CostUsd);
        return byCost != 0 ? byCost : NewestFirst(a, b);
    }

    /// <summary><c>GET /api/v1/tasks/{trace_id}</c>: one finished task with its calls by model and by tool.</summary>
    public Task TaskAsync(HttpContext context)
    {
        string traceId = context.Request.RouteValues[TraceIdParameter] as string ?? "";
        if (context.Request.Query.Count > 0) return BadRequest(context, $"{TasksPath}/{{trace_id}} takes no parameters");
        if (!TraceId.TryParseHex(traceId, out TraceId id) || id.IsEmpty)
            return BadRequest(context, $"'{traceId}' is not a trace id: give 32 hex digits, as in {TasksPath}/4bf92f3577b34da6a3ce929d0e0e4736");
        if (!recent.TryGet(id, out TaskRecord task))
            return WriteAsync(context, StatusCodes.Status404NotFound, json => WriteError(json,
                $"no recently finished task with trace id {id}: it is pending, was never seen, or has left the store (Cpst:Tasks:RecentTasks)"));
        return WriteAsync(context, StatusCodes.Status200OK, json => WriteRow(json, task, withCalls: true));
    }

    /// <summary><c>GET /api/v1/use_cases</c>: the use cases of the finished tasks, in ordinal order.</summary>
    public Task UseCasesAsync(HttpContext context)
    {
        if (context.Request.Query.Count > 0) return BadRequest(context, $"{UseCasesPath} takes no parameters");
        List<string> useCases = recent.UseCases();
        useCases.Sort(StringComparer.Ordinal);
        return WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartArray();
            foreach (string useCase in useCases) json.WriteStringValue(useCase);
            json.WriteEndArray();
        });
    }

    private static void WriteRow(Utf8JsonWriter json, in TaskRecord task, bool withCalls)
    {
        TaskBreakdown? b = task.Breakdown;
        DateTimeOffset start = TaskTimes.Start(in task), end = TaskTimes.End(in task);
        json.WriteStartObject();
        json.WriteString("trace_id", task.TraceId.ToString());
        json.WriteString("use_case", task.Labels.UseCase);
        json.WriteString("outcome", task.Labels.Outcome.LabelValue());
        json.WriteString("outcome_source", task.DecidedBy.LabelValue());
        json.WriteString("model", task.Labels.Model);
        json.WriteString("environment", task.Labels.Environment);
        json.WriteString("variant", task.Labels.Variant);
        json.WriteString("start", start.UtcDateTime);
        json.WriteString("end", end.UtcDateTime);
        json.WriteNumber("duration_ms", Math.Max(0, (end - start).TotalMilliseconds));
        WriteUsd(json, "cost_usd", task.CostUsd);
        WriteUsd(json, "inference_cost_usd", b?.InferenceCostUsd ?? 0m);
        WriteUsd(json, "tool_cost_usd", b?.ToolCostUsd ?? 0m);
        json.WriteNumber("llm_calls", task.LlmCalls);
        json.WriteNumber("tool_calls", task.ToolCalls);
        json.WriteNumber("input_tokens", task.InputTokens);
        json.WriteNumber("output_tokens", task.OutputTokens);
        json.WriteNumber("cache_read_tokens", b?.CacheReadTokens ?? 0);
        json.WriteNumber("cache_write_tokens", b?.CacheWriteTokens ?? 0);
        json.WriteNumber("reasoning_tokens", b?.ReasoningTokens ?? 0);
        if (withCalls)
        {
            json.WriteStartArray("calls");
            foreach (CallShare call in b?.Calls() ?? [])
            {
                json.WriteStartObject();
                json.WriteString("kind", call.Role == SpanRole.Tool ? "tool" : "llm");
                json.WriteString("name", call.Name);
                json.WriteNumber("calls", call.Calls);
                json.WriteNumber("input_tokens", call.InputTokens);
                json.WriteNumber("output_tokens", call.OutputTokens);
                WriteUsd(json, "cost_usd", call.CostUsd);
                if (call.Role == SpanRole.Llm) WritePricing(json, in call);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            WriteVerdicts(json, in task);
        }
        json.WriteEndObject();
    }

    /// <summary>The outcome API's verdict (with who gave it and why) and the evaluations, as the task finished with them.</summary>
    private static void WriteVerdicts(Utf8JsonWriter json, in TaskRecord task)
    {
        if (task.Api is { } api)
        {
            json.WriteStartObject("api_outcome");
            json.WriteString("outcome", api.Outcome.LabelValue());
            json.WriteString("source", api.Source);
            if (api.Reason is not null) json.WriteString("reason", api.Reason);
            json.WriteEndObject();
        }
        json.WriteStartArray("evaluations");
        foreach (EvaluationOutcome evaluation in task.Evaluations ?? [])
        {
            json.WriteStartObject();
            json.WriteString("name", evaluation.Name);
            json.WriteString("result", evaluation.Passed ? "pass" : "fail");
            if (evaluation.Score is double score && double.IsFinite(score)) json.WriteNumber("score", score);
            else json.WriteNull("score");
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>An amount without trailing zeros (0.0045, not 0.004500000): exact arithmetic keeps the scale of its factors.</summary>
    private static void WriteUsd(Utf8JsonWriter json, string name, decimal usd) => json.WriteNumber(name, usd / 1.000000000000000000000000000000000m);

    private static readonly PricingBasis[] Bases = Enum.GetValues<PricingBasis>();
    private static readonly ServiceTier[] ServiceTiers = Enum.GetValues<ServiceTier>();

    /// <summary>How a model's calls were priced: calls per basis and per served tier, those with calls (docs/pricing.md).</summary>
    private static void WritePricing(Utf8JsonWriter json, in CallShare call)
    {
        json.WriteStartObject("basis");
        foreach (PricingBasis basis in Bases)
            if (call.Pricing.Calls(basis) is > 0 and int calls) json.WriteNumber(basis.LabelValue(), calls);
        json.WriteEndObject();
        json.WriteStartObject("service_tier");
        foreach (ServiceTier tier in ServiceTiers)
            if (call.Pricing.Calls(tier) is > 0 and int calls) json.WriteNumber(tier.LabelValue(), calls);
        json.WriteEndObject();
    }

    internal static Task BadRequest(HttpContext context, string message) =>
        WriteAsync(context, StatusCodes.Status400BadRequest, json => WriteError(json, message));

    private static void WriteError(Utf8JsonWriter json, string message)
    {
        json.WriteStartObject();
        json.WriteString("error", message);
        json.WriteEndObject();
    }

    /// <summary>A JSON response, written whole into a buffer first so that its length is known (the billing API answers alike).</summary>
    internal static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer, Options)) write(json);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
