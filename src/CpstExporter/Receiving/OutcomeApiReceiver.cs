using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Receiving;

/// <summary>
/// <c>POST /v1/outcomes</c> with <c>{"outcomes":[{"trace_id":"&lt;32 hex&gt;","outcome":"success","source":"human","reason":"…"}]}</c>
/// (source and reason optional): outcomes that arrive after the spans, e.g. from a human review. The request is checked whole before any outcome is applied,
/// so a 400 means nothing changed. Answers 200 with how many were applied, held (trace not seen yet), late, dropped.
/// The body is read where it was received, without a copy or a string per outcome (<see cref="OutcomeJsonReader"/>):
/// a request costs about its size in memory, once more for its inflated form when it is gzip.
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
            if (context.Request.ContentLength > options.MaxRequestBytes) throw new RequestTooLargeException(options.MaxRequestBytes);
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
        (int Applied, int Unknown, int Late, int Dropped) counts;
        try
        {
            if (OtlpHttpReceiver.IsGzip(context.Request))
            {
                using PooledBytes inflated = await BodyReader.GunzipAsync(body, options.MaxRequestBytes, context.RequestAborted);
                counts = CheckAndApply(inflated.Span);
            }
            else counts = CheckAndApply(body.Span);
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

        await Answer(context, StatusCodes.Status200OK, w =>
        {
            w.WriteNumber("applied", counts.Applied);
            w.WriteNumber("unknown", counts.Unknown);
            w.WriteNumber("late", counts.Late);
            w.WriteNumber("dropped", counts.Dropped);
        });
    }

    /// <summary>
    /// Reads the body twice over the same bytes: once to the end to check it whole (a <see cref="FormatException"/>
    /// means nothing was applied), then to hand each outcome to the sink. Neither pass allocates per outcome; the sink keeps
    /// a reason as a string.
    /// </summary>
    internal (int Applied, int Unknown, int Late, int Dropped) CheckAndApply(ReadOnlySpan<byte> json)
    {
        var check = new OutcomeJsonReader(json);
        try
        {
            while (check.MoveNext()) { }
        }
        finally
        {
            check.Dispose();
        }

        int applied = 0, unknown = 0, late = 0, dropped = 0;
        var outcomes = new OutcomeJsonReader(json);
        try
        {
            while (outcomes.MoveNext())
            {
                switch (sink.Apply(outcomes.TraceId, outcomes.Outcome, outcomes.Source, outcomes.Reason))
                {
                    case OutcomeDisposition.Applied: applied++; break;
                    case OutcomeDisposition.Unknown: unknown++; break;
                    case OutcomeDisposition.Late: late++; break;
                    default: dropped++; break;
                }
            }
        }
        finally
        {
            outcomes.Dispose();
        }
        return (applied, unknown, late, dropped);
    }

    /// <summary>401 with a challenge, or 503 with Retry-After.</summary>
    public Task RefuseAsync(HttpContext context, Refusal refusal)
    {
        if (RefusalText.IsRetryable(refusal))
        {
            context.Response.Headers.RetryAfter = RefusalText.RetryAfterSeconds;
            return Answer(context, StatusCodes.Status503ServiceUnavailable, w => w.WriteString("error", RefusalText.Of(refusal)));
        }
        context.Response.Headers.WWWAuthenticate = RefusalText.Challenge(refusal);
        return Answer(context, StatusCodes.Status401Unauthorized, w => w.WriteString("error", RefusalText.Of(refusal)));
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
