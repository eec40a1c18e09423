using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Tests.Support;

/// <summary>An answer a fake cost API gives instead of its page: an error status, a broken body, a slow one.</summary>
internal sealed class CostFault(Func<HttpContext, Task> answer)
{
    public Task AnswerAsync(HttpContext context) => answer(context);

    public static CostFault Status(int status, string? retryAfter = null, string body = """{"error":{"type":"error","message":"fault"}}""") => new(async context =>
    {
        context.Response.StatusCode = status;
        if (retryAfter is not null) context.Response.Headers.RetryAfter = retryAfter;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    });

    public static CostFault Body(string body) => new(async context =>
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    });

    /// <summary>A 200 of <paramref name="bytes"/> bytes of JSON white space before an empty page, sent as it is written (no length).</summary>
    public static CostFault Large(int bytes) => new(async context =>
    {
        context.Response.ContentType = "application/json";
        byte[] spaces = new byte[64 * 1024];
        Array.Fill(spaces, (byte)' ');
        for (int sent = 0; sent < bytes && !context.RequestAborted.IsCancellationRequested; sent += spaces.Length)
            await context.Response.Body.WriteAsync(spaces.AsMemory(0, Math.Min(spaces.Length, bytes - sent)), context.RequestAborted);
        await context.Response.WriteAsync("""{"data":[],"has_more":false,"next_page":null}""", context.RequestAborted);
    });

    /// <summary>A 200 whose body comes a byte every 20 ms and never ends, until the client gives up.</summary>
    public static CostFault Trickle() => new(async context =>
    {
        context.Response.ContentType = "application/json";
        try
        {
            await context.Response.Body.WriteAsync("{"u8.ToArray(), context.RequestAborted);
            while (true)
            {
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(20, context.RequestAborted);
                await context.Response.Body.WriteAsync(" "u8.ToArray(), context.RequestAborted);
            }
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
    });

    /// <summary>429 with <c>Retry-After</c> as an HTTP date <paramref name="seconds"/> after <paramref name="clock"/>'s now.</summary>
    public static CostFault TooManyUntil(TimeProvider clock, int seconds) => new(context =>
        Status(429, (clock.GetUtcNow() + TimeSpan.FromSeconds(seconds)).ToString("r", CultureInfo.InvariantCulture)).AnswerAsync(context));
}
