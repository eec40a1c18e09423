using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using CpstExporter.Billing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Tests.Support;

/// <summary>
/// OpenAI's organization costs API or Anthropic's cost report on a real loopback listener, answering in the documented
/// shapes: daily buckets of <see cref="Lines"/> within the requested window, <see cref="LinesPerPage"/> results a page,
/// with <c>has_more</c> and an opaque <c>next_page</c>. A request without the expected key is answered 401, one that
/// lacks a documented parameter 400. Faults queued with <see cref="Fault"/> answer the next requests instead, one each;
/// <see cref="Always"/> answers every request. Every request is recorded with the time on the test's clock.
/// </summary>
internal sealed class FakeCostApiServer : IAsyncDisposable
{
    private readonly BillingSource _api;
    private readonly TimeProvider _clock;
    private readonly ConcurrentQueue<CostFault> _faults = new();
    private readonly ConcurrentQueue<CostRequest> _requests = new();
    private LoopbackApp _app = null!;

    private FakeCostApiServer(BillingSource api, string key, TimeProvider clock)
    {
        _api = api;
        Key = key;
        _clock = clock;
    }

    public Uri Address => _app.Address;

    /// <summary>The admin key it accepts.</summary>
    public string Key { get; set; }

    public IReadOnlyList<CostLine> Lines { get; set; } = [];
    public int LinesPerPage { get; set; } = 1000;
    public CostFault? Always { get; set; }
    public IReadOnlyList<CostRequest> Requests => [.. _requests];

    public static async Task<FakeCostApiServer> StartAsync(BillingSource api, string key, TimeProvider clock)
    {
        var server = new FakeCostApiServer(api, key, clock);
        server._app = await LoopbackApp.StartAsync(app => app.Run(server.AnswerAsync));
        return server;
    }

    public void Fault(params CostFault[] faults)
    {
        foreach (CostFault fault in faults) _faults.Enqueue(fault);
    }

    private async Task AnswerAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        bool openAi = _api == BillingSource.OpenAI;
        string? key = openAi ? StripBearer(request.Headers.Authorization) : request.Headers["x-api-key"].ToString() is { Length: > 0 } k ? k : null;
        _requests.Enqueue(new CostRequest(_clock.GetUtcNow(), request.Path + request.QueryString, key, request.Headers["anthropic-version"].ToString()));

        if (_faults.TryDequeue(out CostFault? fault) || (fault = Always) is not null)
        {
            await fault.AnswerAsync(context);
            return;
        }
        string expectedPath = openAi ? "/v1/organization/costs" : "/v1/organizations/cost_report";
        if (request.Path != expectedPath)
        {
            context.Response.StatusCode = 404;
            return;
        }
        if (key != Key)
        {
            await CostFault.Status(401, body: """{"error":{"type":"authentication_error","message":"invalid x-api-key"}}""").AnswerAsync(context);
            return;
        }
        if (!openAi && request.Headers["anthropic-version"] != "2023-06-01")
        {
            await CostFault.Status(400, body: """{"error":{"message":"anthropic-version"}}""").AnswerAsync(context);
            return;
        }
        if (!TryWindow(request.Query, openAi, out DateTimeOffset from, out DateTimeOffset to, out string? problem))
        {
            await CostFault.Status(400, body: $$$"""{"error":{"message":"{{{problem}}}"}}""").AnswerAsync(context);
            return;
        }

        CostLine[] inWindow = [.. Lines.Where(l => Start(l.Day) >= from && Start(l.Day) < to).OrderBy(l => l.Day)];
        int pages = Math.Max(1, (inWindow.Length + LinesPerPage - 1) / LinesPerPage);
        string? cursor = request.Query["page"];
        int page = cursor is null ? 0 : int.Parse(cursor["page_".Length..], CultureInfo.InvariantCulture);
        CostLine[] lines = [.. inWindow.Skip(page * LinesPerPage).Take(LinesPerPage)];
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Page(lines, openAi, page + 1 < pages ? $"page_{page + 1}" : null));
    }

    private static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static string? StripBearer(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : null;

    private static bool TryWindow(IQueryCollection query, bool openAi, out DateTimeOffset from, out DateTimeOffset to, out string? problem)
    {
        from = to = default;
        problem = null;
        string[] groups = query["group_by[]"].OfType<string>().ToArray();
        string[] expected = openAi ? ["project_id", "line_item"] : ["workspace_id", "description"];
        if (query["bucket_width"] != "1d") problem = "bucket_width";
        else if (!expected.All(groups.Contains)) problem = "group_by[]";
        else if (openAi)
        {
            if (!long.TryParse(query["start_time"], CultureInfo.InvariantCulture, out long start)) problem = "start_time";
            else if (!long.TryParse(query["end_time"], CultureInfo.InvariantCulture, out long end)) problem = "end_time";
            else (from, to) = (DateTimeOffset.FromUnixTimeSeconds(start), DateTimeOffset.FromUnixTimeSeconds(end));
        }
        else
        {
            if (!DateTimeOffset.TryParse(query["starting_at"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out from)) problem = "starting_at";
            else if (!DateTimeOffset.TryParse(query["ending_at"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out to)) problem = "ending_at";
        }
        return problem is null;
    }

    private static byte[] Page(CostLine[] lines, bool openAi, string? next)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (openAi) json.WriteString("object", "page");
            json.WriteStartArray("data");
            foreach (IGrouping<DateOnly, CostLine> day in lines.GroupBy(l => l.Day))
            {
                DateTimeOffset start = Start(day.Key);
                json.WriteStartObject();
                if (openAi)
                {
                    json.WriteString("object", "bucket");
                    json.WriteNumber("start_time", start.ToUnixTimeSeconds());
                    json.WriteNumber("end_time", start.AddDays(1).ToUnixTimeSeconds());
                }
                else
                {
                    json.WriteString("starting_at", start.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                    json.WriteString("ending_at", start.AddDays(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                }
                json.WriteStartArray("results");
                foreach (CostLine line in day)
                {
                    json.WriteStartObject();
                    if (openAi)
                    {
                        json.WriteString("object", "organization.costs.result");
                        json.WriteStartObject("amount");
                        json.WritePropertyName("value");
                        json.WriteRawValue(line.Amount, skipInputValidation: true);
                        json.WriteString("currency", line.Currency ?? "usd");
                        json.WriteEndObject();
                        json.WriteString("line_item", "gpt-4o-2024-08-06, input");
                        json.WriteString("project_id", line.Account);
                    }
                    else
                    {
                        json.WriteString("currency", line.Currency ?? "USD");
                        json.WritePropertyName("amount");
                        json.WriteRawValue(line.Amount, skipInputValidation: true);
                        json.WriteString("workspace_id", line.Account);
                        json.WriteString("description", "Claude Sonnet 4 Usage - Input Tokens");
                        json.WriteString("cost_type", "tokens");
                        json.WriteString("context_window", "0-200k");
                        json.WriteString("model", "claude-sonnet-4-20250514");
                        json.WriteString("service_tier", "standard");
                        json.WriteString("token_type", "uncached_input_tokens");
                    }
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteBoolean("has_more", next is not null);
            json.WriteString("next_page", next);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
