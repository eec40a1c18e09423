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
/// <para>By default every response reports the same usage (<see cref="FakeUsage.Default"/>): <see cref="PromptTokens"/>
/// input tokens of which <see cref="CachedTokens"/> were read from the cache, <see cref="CompletionTokens"/> output
/// tokens of which <see cref="ReasoningTokens"/> were reasoning; a test may choose the usage per request.</para>
/// <para>Every response, and every streamed chunk, says which service tier served it in <c>service_tier</c>, as
/// OpenAI's API does: by default the tier the request asked for in its own <c>service_tier</c>, and <c>default</c>
/// when it asked for none or for <c>auto</c>; a test may choose the served tier per request (a priority request
/// served at <c>default</c>, as OpenAI does past the priority ramp rate limit).</para>
/// <para>A one-step tool loop: a request that offers <c>tools</c> and whose conversation has no <c>tool</c> message
/// yet is answered with one call of the first tool offered (<see cref="ToolName"/> as the tests name it; Semantic Kernel
/// offers it as <c>{plugin}-get_weather</c>) with <see cref="ToolArguments"/> (<c>finish_reason: "tool_calls"</c>); any
/// other request with <see cref="FinalText"/> (<c>"stop"</c>).</para>
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

    private readonly Func<FakeChatRequest, FakeUsage> _usage;
    private readonly Func<FakeChatRequest, string?> _servedTier;
    private readonly List<FakeChatRequest> _received = [];
    private LoopbackApp _app = null!;
    private int _requests;

    private FakeOpenAiEndpoint(Func<FakeChatRequest, FakeUsage>? usage, Func<FakeChatRequest, string?>? servedTier)
    {
        _usage = usage ?? (_ => FakeUsage.Default);
        _servedTier = servedTier ?? DefaultServedTier;
    }

    /// <summary>What OpenAI answers for a project that may use every tier: the one asked for, else <c>default</c>.</summary>
    public static string DefaultServedTier(FakeChatRequest request) =>
        request.ServiceTier is null or "auto" ? "default" : request.ServiceTier;

    /// <summary>The API root, ending in <c>/v1/</c>: what clients take as their endpoint or base URL.</summary>
    public Uri BaseAddress => new(_app.Address, "/v1/");

    /// <summary>How many chat completions were served, streaming or not.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The chat completions served so far, in the order they arrived.</summary>
    public IReadOnlyList<FakeChatRequest> Received
    {
        get
        {
            lock (_received) return [.. _received];
        }
    }

    /// <param name="usage">The usage to report for a request; <see cref="FakeUsage.Default"/> when null.</param>
    /// <param name="servedTier">The <c>service_tier</c> to answer a request with, null to leave the field out;
    /// <see cref="DefaultServedTier"/> when not given.</param>
    public static async Task<FakeOpenAiEndpoint> StartAsync(Func<FakeChatRequest, FakeUsage>? usage = null,
        Func<FakeChatRequest, string?>? servedTier = null)
    {
        var server = new FakeOpenAiEndpoint(usage, servedTier);
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

        var received = new FakeChatRequest(model, request["service_tier"]?.GetValue<string>(), UserText(request));
        lock (_received) _received.Add(received);
        var answer = new Answer($"chatcmpl-{Interlocked.Increment(ref _requests)}", model, _servedTier(received), _usage(received),
            CallTool: HasToolResult(request) ? null : FirstTool(request));
        if (request["stream"]?.GetValue<bool>() == true) await StreamAsync(context, answer);
        else await WriteJsonAsync(context, Completion(answer));
    }

    /// <summary>What one response says besides its content.</summary>
    private sealed record Answer(string Id, string Model, string? ServiceTier, FakeUsage Usage, string? CallTool);

    /// <summary>The text of the first user message: a plain string, or the text parts of a content array.</summary>
    private static string UserText(JsonNode request)
    {
        if (request["messages"] is not JsonArray messages) return "";
        JsonNode? user = messages.FirstOrDefault(m => m?["role"]?.GetValue<string>() == "user");
        return user?["content"] switch
        {
            JsonValue text when text.TryGetValue(out string? value) => value,
            JsonArray parts => string.Concat(parts.Select(p => p?["type"]?.GetValue<string>() == "text" ? p["text"]?.GetValue<string>() : null)),
            _ => "",
        };
    }

    /// <summary>The name of the first function the request offers; null when it offers none.</summary>
    private static string? FirstTool(JsonNode request) =>
        request["tools"] is JsonArray { Count: > 0 } tools ? tools[0]?["function"]?["name"]?.GetValue<string>() ?? ToolName : null;

    private static bool HasToolResult(JsonNode request) =>
        request["messages"] is JsonArray messages && messages.Any(m => m?["role"]?.GetValue<string>() == "tool");

    private static JsonObject Completion(Answer answer)
    {
        JsonObject completion = Header(answer, "chat.completion");
        completion["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = answer.CallTool is { } tool
                ? new JsonObject { ["role"] = "assistant", ["content"] = null, ["refusal"] = null, ["tool_calls"] = new JsonArray(ToolCall(answer.Id, tool, index: null)) }
                : new JsonObject { ["role"] = "assistant", ["content"] = FinalText, ["refusal"] = null },
            ["logprobs"] = null,
            ["finish_reason"] = answer.CallTool is not null ? "tool_calls" : "stop",
        });
        completion["usage"] = Usage(answer.Usage);
        return completion;
    }

    /// <summary>The fields a completion and each of its chunks start with; <c>service_tier</c> only when answered.</summary>
    private static JsonObject Header(Answer answer, string type)
    {
        var header = new JsonObject
        {
            ["id"] = answer.Id,
            ["object"] = type,
            ["created"] = Created,
            ["model"] = answer.Model,
        };
        if (answer.ServiceTier is not null) header["service_tier"] = answer.ServiceTier;
        return header;
    }

    /// <summary>A role chunk, the content or tool call, the finish reason, then the usage with no choices, as OpenAI streams.</summary>
    private static async Task StreamAsync(HttpContext context, Answer answer)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await EventAsync(context, Chunk(answer, Delta(new JsonObject { ["role"] = "assistant", ["content"] = "" })));
        if (answer.CallTool is { } tool)
        {
            await EventAsync(context, Chunk(answer, Delta(new JsonObject { ["tool_calls"] = new JsonArray(ToolCall(answer.Id, tool, index: 0)) })));
        }
        else
        {
            // In two pieces, so that clients have deltas to join.
            int half = FinalText.Length / 2;
            await EventAsync(context, Chunk(answer, Delta(new JsonObject { ["content"] = FinalText[..half] })));
            await EventAsync(context, Chunk(answer, Delta(new JsonObject { ["content"] = FinalText[half..] })));
        }
        await EventAsync(context, Chunk(answer, Delta(new JsonObject(), answer.CallTool is not null ? "tool_calls" : "stop")));
        JsonObject usage = Chunk(answer, new JsonArray());
        usage["usage"] = Usage(answer.Usage);
        await EventAsync(context, usage);
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static JsonObject Chunk(Answer answer, JsonArray choices)
    {
        JsonObject chunk = Header(answer, "chat.completion.chunk");
        chunk["choices"] = choices;
        return chunk;
    }

    private static JsonArray Delta(JsonObject delta, string? finishReason = null) => new(new JsonObject
    {
        ["index"] = 0,
        ["delta"] = delta,
        ["logprobs"] = null,
        ["finish_reason"] = finishReason,
    });

    /// <param name="index">Set in a streamed delta, where it says which call the pieces belong to; absent in a whole message.</param>
    private static JsonObject ToolCall(string completionId, string tool, int? index)
    {
        var call = new JsonObject();
        if (index is { } i) call["index"] = i;
        call["id"] = $"call_{completionId}";
        call["type"] = "function";
        call["function"] = new JsonObject { ["name"] = tool, ["arguments"] = ToolArguments };
        return call;
    }

    private static JsonObject Usage(FakeUsage usage) => new()
    {
        ["prompt_tokens"] = usage.PromptTokens,
        ["completion_tokens"] = usage.CompletionTokens,
        ["total_tokens"] = usage.PromptTokens + usage.CompletionTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = usage.CachedTokens, ["audio_tokens"] = 0 },
        ["completion_tokens_details"] = new JsonObject
        {
            ["reasoning_tokens"] = usage.ReasoningTokens,
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

/// <summary>One chat completion request as <see cref="FakeOpenAiEndpoint"/> received it.</summary>
/// <param name="ServiceTier">The request's <c>service_tier</c>, null when it has none.</param>
/// <param name="UserText">The text of its first user message.</param>
internal sealed record FakeChatRequest(string Model, string? ServiceTier, string UserText);

/// <summary>The usage a response reports: prompt tokens of which cache reads, completion tokens of which reasoning.</summary>
internal sealed record FakeUsage(int PromptTokens, int CachedTokens, int CompletionTokens, int ReasoningTokens)
{
    public static readonly FakeUsage Default = new(FakeOpenAiEndpoint.PromptTokens, FakeOpenAiEndpoint.CachedTokens,
        FakeOpenAiEndpoint.CompletionTokens, FakeOpenAiEndpoint.ReasoningTokens);
}
