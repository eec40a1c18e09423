using System.Text.Json;
using CpstExporter.Primitives;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Receiving;

/// <summary>
/// <c>POST /v1/outcomes</c> with <c>{"outcomes":[{"trace_id":"&lt;32 hex&gt;","outcome":"success"}]}</c>: outcomes that
/// arrive after the spans, e.g. from a human review. The request is checked whole before any outcome is applied,
/// so a 400 means nothing changed. Answers 200 with how many were applied, held (trace not seen yet), late, dropped.
/// The body may be gzip (<c>Content-Encoding: gzip</c>), as on <c>/v1/traces</c>; another encoding is a 415.
/// </summary>
internal sealed class OutcomeApiReceiver(IOutcomeSink sink, ReceiverOptions options, ReceiverCounters counters) : IWriteReceiver
{
    public async Task<PooledBytes?> ReceiveAsync(HttpContext context)
    {
        if (!OtlpHttpReceiver.IsMediaType(context.Request.ContentType, OtlpHttpReceiver.JsonType))
        {
            counters.RejectedRequests.Add(RequestRejection.UnsupportedMediaType);
            await Answer(context, StatusCodes.Status415UnsupportedMediaType, w => w.WriteString("error", "send the outcomes as application/json"));
            return null;
        }
        if (!OtlpHttpReceiver.IsSupportedEncoding(context.Request))
        {
            counters.RejectedRequests.Add(RequestRejection.UnsupportedMediaType);
            string encoding = context.Request.Headers.ContentEncoding.ToString();
            await Answer(context, StatusCodes.Status415UnsupportedMediaType,
                w => w.WriteString("error", $"unsupported content encoding '{encoding}': send gzip or no encoding"));
            return null;
        }
        try
        {
            return await BodyReader.ReadToEndAsync(context.Request.Body, context.Request.ContentLength, options.MaxRequestBytes, context.RequestAborted);
        }
        catch (RequestTooLargeException e)
        {
            counters.RejectedRequests.Add(RequestRejection.TooLarge);
            await Answer(context, StatusCodes.Status413PayloadTooLarge, w => w.WriteString("error", e.Message));
            return null;
        }
    }

    public async Task ProcessAsync(HttpContext context, PooledBytes body)
    {
        List<(TraceId Id, string Outcome)> outcomes;
        try
        {
            if (OtlpHttpReceiver.IsGzip(context.Request))
            {
                using PooledBytes inflated = await BodyReader.GunzipAsync(body, options.MaxRequestBytes, context.RequestAborted);
                outcomes = Parse(inflated.Span);
            }
            else outcomes = Parse(body.Span);
        }
        catch (Exception e) when (e is FormatException or OtlpFormatException)
        {
            counters.RejectedRequests.Add(RequestRejection.Malformed);
            await Answer(context, StatusCodes.Status400BadRequest, w => w.WriteString("error", e.Message));
            return;
        }
        catch (RequestTooLargeException e)
        {
            counters.RejectedRequests.Add(RequestRejection.TooLarge);
            await Answer(context, StatusCodes.Status413PayloadTooLarge, w => w.WriteString("error", e.Message));
            return;
        }

        int applied = 0, unknown = 0, late = 0, dropped = 0;
        foreach (var (id, outcome) in outcomes)
        {
            switch (sink.Apply(id, outcome))
            {
                case OutcomeDisposition.Applied: applied++; break;
                case OutcomeDisposition.Unknown: unknown++; break;
                case OutcomeDisposition.Late: late++; break;
                default: dropped++; break;
            }
        }
        await Answer(context, StatusCodes.Status200OK, w =>
        {
            w.WriteNumber("applied", applied);
            w.WriteNumber("unknown", unknown);
            w.WriteNumber("late", late);
            w.WriteNumber("dropped", dropped);
        });
    }

    /// <summary>401 with a challenge, or 503 with Retry-After.</summary>
    public Task RefuseAsync(HttpContext context, Refusal refusal)
    {
        if (refusal == Refusal.Overloaded)
        {
            context.Response.Headers.RetryAfter = RefusalText.RetryAfterSeconds;
            return Answer(context, StatusCodes.Status503ServiceUnavailable, w => w.WriteString("error", RefusalText.Of(refusal)));
        }
        context.Response.Headers.WWWAuthenticate = RefusalText.Challenge(refusal);
        return Answer(context, StatusCodes.Status401Unauthorized, w => w.WriteString("error", RefusalText.Of(refusal)));
    }

    internal static List<(TraceId, string)> Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new FormatException($"invalid JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object ||
                !document.RootElement.TryGetProperty("outcomes", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
                throw new FormatException("expected {\"outcomes\":[{\"trace_id\":\"<32 hex digits>\",\"outcome\":\"success\"}]}");

            var result = new List<(TraceId, string)>(list.GetArrayLength());
            int index = 0;
            foreach (JsonElement item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object) throw new FormatException($"outcomes[{index}] must be an object");
                string? hex = Text(item, "trace_id") ?? Text(item, "traceId");
                if (hex is null || !TraceId.TryParseHex(hex, out TraceId id) || id.IsEmpty)
                    throw new FormatException($"outcomes[{index}].trace_id must be 32 hex digits, not all zero");
                string? outcome = Text(item, "outcome");
                if (string.IsNullOrWhiteSpace(outcome)) throw new FormatException($"outcomes[{index}].outcome must be a non-empty string");
                result.Add((id, outcome));
                index++;
            }
            return result;
        }
    }

    private static string? Text(JsonElement item, string name)
    {
        if (!item.TryGetProperty(name, out JsonElement value) || value.ValueKind != JsonValueKind.String) return null;
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape ("\ud800"): U+FFFD, as in OTLP/JSON (docs/operations.md, "Hostile input and faults").
            string raw = value.GetRawText();
            return JsonStringUnescaper.ToText(System.Text.Encoding.UTF8.GetBytes(raw)[1..^1]);
        }
    }

    private static async Task Answer(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        await context.Response.Body.WriteAsync(stream.ToArray(), context.RequestAborted);
    }
}
