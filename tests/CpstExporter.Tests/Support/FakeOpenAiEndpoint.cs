using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Tests.Support;

/// <summary>
/// An OpenAI-compatible Chat Completions endpoint on a real loopback listener, so that real client libraries (the OpenAI
/// .NET SDK under Microsoft.Extensions.AI, the Vercel AI SDK's OpenAI provider) run their own HTTP, parsing and
/// instrumentation code against it, and the usage they report is known to the token.
/// </summary>
/// <remarks>
/// <para><c>POST {BaseAddress}chat/completions</c>, as JSON or, with <c>"stream": true</c>, as server-sent events in
/// OpenAI's chunk format ending with <c>data: [DONE]</c>; the last chunk before it carries the usage, with or without
/// <c>stream_options.include_usage</c>. The response's <c>model</c> echoes the request's.</para>
/// <para>Every response reports the same usage: <see cref="PromptTokens"/> input tokens of which
/// <see cref="CachedTokens"/> were read from the cache, <see cref="CompletionTokens"/> output tokens of which
/// <see cref="ReasoningTokens"/> were reasoning.</para>
/// <para>A one-step tool loop: a request that offers <c>tools</c> and whose conversation has no <c>tool</c> message
/// yet is answered with one call of <see cref="ToolName"/> with <see cref="ToolArguments"/>
/// (<c>finish_reason: "tool_calls"</c>); any other request with <see cref="FinalText"/> (<c>"stop"</c>).</para>
/// </remarks>
internal sealed class FakeOpenAiEndpoint : IAsyncDisposable
{
    public const int PromptTokens = 1000;
    public const int CachedTokens = 400;
    public const int CompletionTokens = 200;
    public const int ReasoningTokens = 50;
    public const string ToolName = "get_weather";
    public const string ToolArguments = """{"city":"Paris"}""";
    public const string FinalText = "It is sunny in Paris.";

    // Fixed so that responses are the same from run to run; clients only echo it into their own records.
    private const long Created = 1_700_000_000;

    private LoopbackApp _app = null!;
    private int _requests;

    /// <summary>The API root, ending in <c>/v1/</c>: what clients take as their endpoint or base URL.</summary>
    public Uri BaseAddress => new(_app.Address, "/v1/");

    /// <summary>How many chat completions were served, streaming or not.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<FakeOpenAiEndpoint> StartAsync()
    {
        var server = new FakeOpenAiEndpoint();
        server._app = await LoopbackApp.StartAsync(app => app.MapPost("/v1/chat/completions", server.CompleteAsync));
        return server;
    }

    private async Task CompleteAsync(HttpContext context)
    {
        JsonNode? request;
        try
        {
            request = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException e)
        {
            await ErrorAsync(context, $"request body is not JSON: {e.Message}");
            return;
        }
        if (request?["model"]?.GetValue<string>() is not { } model)
        {
            await ErrorAsync(context, "request has no model");
            return;
        }

        int number = Interlocked.Increment(ref _requests);
        string id = $"chatcmpl-{number}";
        bool callTool = OffersTools(request) && !HasToolResult(request);
        if (request["stream"]?.GetValue<bool>() == true) await StreamAsync(context, id, model, callTool);
        else await WriteJsonAsync(context, Completion(id, model, callTool));
    }

    private static bool OffersTools(JsonNode request) => request["tools"] is JsonArray { Count: > 0 };

    private static bool HasToolResult(JsonNode request) =>
        request["messages"] is JsonArray messages && messages.Any(m => m?["role"]?.GetValue<string>() == "tool");

    private static JsonObject Completion(string id, string model, bool callTool) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion",
        ["created"] = Created,
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = callTool
                ? new JsonObject { ["role"] = "assistant", ["content"] = null, ["refusal"] = null, ["tool_calls"] = new JsonArray(ToolCall(id, index: null)) }
                : new JsonObject { ["role"] = "assistant", ["content"] = FinalText, ["refusal"] = null },
            ["logprobs"] = null,
            ["finish_reason"] = callTool ? "tool_calls" : "stop",
        }),
        ["usage"] = Usage(),
    };

    /// <summary>A role chunk, the content or tool call, the finish reason, then the usage with no choices, as OpenAI streams.</summary>
    private static async Task StreamAsync(HttpContext context, string id, string model, bool callTool)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await EventAsync(context, Chunk(id, model, Delta(new JsonObject { ["role"] = "assistant", ["content"] = "" })));
        if (callTool)
        {
            await EventAsync(context, Chunk(id, model, Delta(new JsonObject { ["tool_calls"] = new JsonArray(ToolCall(id, index: 0)) })));
        }
        else
        {
            // In two pieces, so that clients have deltas to join.
            int half = FinalText.Length / 2;
            await EventAsync(context, Chunk(id, model, Delta(new JsonObject { ["content"] = FinalText[..half] })));
            await EventAsync(context, Chunk(id, model, Delta(new JsonObject { ["content"] = FinalText[half..] })));
        }
        await EventAsync(context, Chunk(id, model, Delta(new JsonObject(), callTool ? "tool_calls" : "stop")));
        JsonObject usage = Chunk(id, model, new JsonArray());
        usage["usage"] = Usage();
        await EventAsync(context, usage);
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static JsonObject Chunk(string id, string model, JsonArray choices) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = Created,
        ["model"] = model,
        ["choices"] = choices,
    };

    private static JsonArray Delta(JsonObject delta, string? finishReason = null) => new(new JsonObject
    {
        ["index"] = 0,
        ["delta"] = delta,
        ["logprobs"] = null,
        ["finish_reason"] = finishReason,
    });

    /// <param name="index">Set in a streamed delta, where it says which call the pieces belong to; absent in a whole message.</param>
    private static JsonObject ToolCall(string completionId, int? index)
    {
        var call = new JsonObject();
        if (index is { } i) call["index"] = i;
        call["id"] = $"call_{completionId}";
        call["type"] = "function";
        call["function"] = new JsonObject { ["name"] = ToolName, ["arguments"] = ToolArguments };
        return call;
    }

    private static JsonObject Usage() => new()
    {
        ["prompt_tokens"] = PromptTokens,
        ["completion_tokens"] = CompletionTokens,
        ["total_tokens"] = PromptTokens + CompletionTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = CachedTokens, ["audio_tokens"] = 0 },
        ["completion_tokens_details"] = new JsonObject
        {
            ["reasoning_tokens"] = ReasoningTokens,
            ["audio_tokens"] = 0,
            ["accepted_prediction_tokens"] = 0,
            ["rejected_prediction_tokens"] = 0,
        },
    };

    private static async Task EventAsync(HttpContext context, JsonObject data)
    {
        await context.Response.WriteAsync($"data: {data.ToJsonString()}\n\n", context.RequestAborted);
        // Each event on the wire at once, as a real server streams, so clients parse chunk by chunk.
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static Task WriteJsonAsync(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8, context.RequestAborted);
    }

    private static Task ErrorAsync(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return WriteJsonAsync(context, new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error", ["param"] = null, ["code"] = null },
        });
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
