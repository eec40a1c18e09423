using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// A model behind an <see cref="IChatClient"/>, as a provider's client library would put it, that answers from the
/// task's <see cref="TaskScript"/> instead of a network: each request takes the plan's next LLM call, reports its
/// token usage (input, output, cache reads) and asks for the tools the plan calls next, with arguments filled in from
/// the tools' JSON schemas; the last call of the plan answers in text. It describes itself through
/// <see cref="ChatClientMetadata"/>, which Microsoft.Extensions.AI's instrumentation reads for the provider, the
/// server and the default model.
/// </summary>
internal sealed class SimulatedModel : IChatClient
{
    private readonly ModelSpec _model;
    private readonly ChatClientMetadata _metadata;
    private long _responses;

    public SimulatedModel(ModelSpec model)
    {
        _model = model;
        _metadata = new ChatClientMetadata(model.Provider, new Uri($"https://{model.ServerAddress}/"), model.Name);
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        (CallShape call, IReadOnlyList<string> tools) = TaskScript.Of(options).TakeLlmCall(_model);
        string id = Interlocked.Increment(ref _responses).ToString("x8", CultureInfo.InvariantCulture);

        ChatMessage answer;
        if (tools.Count == 0)
        {
            answer = new ChatMessage(ChatRole.Assistant, "Done: the answer is in the conversation above.");
        }
        else
        {
            var calls = new List<AIContent>(tools.Count);
            for (int i = 0; i < tools.Count; i++)
                calls.Add(new FunctionCallContent($"call_{id}_{i}", tools[i], Arguments(options, tools[i], id)));
            answer = new ChatMessage(ChatRole.Assistant, calls);
        }
        answer.MessageId = "msg_" + id;

        return Task.FromResult(new ChatResponse(answer)
        {
            ResponseId = "resp_" + id,
            ModelId = _model.Name,
            FinishReason = tools.Count == 0 ? ChatFinishReason.Stop : ChatFinishReason.ToolCalls,
            Usage = new UsageDetails
            {
                InputTokenCount = call.InputTokens,
                OutputTokenCount = call.OutputTokens,
                TotalTokenCount = call.InputTokens + call.OutputTokens,
                CachedInputTokenCount = call.CacheReadTokens > 0 ? call.CacheReadTokens : null,
            },
        });
    }

    /// <summary>The same answer as chunks, the usage in the last, as a provider streams it.</summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (ChatResponseUpdate update in response.ToChatResponseUpdates()) yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }

    /// <summary>A value for every parameter the tool declares, as a model reads them from the request's tool definitions.</summary>
    private static Dictionary<string, object?> Arguments(ChatOptions? options, string tool, string id)
    {
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        AIFunctionDeclaration? declaration = options?.Tools?.OfType<AIFunctionDeclaration>().FirstOrDefault(t => t.Name == tool);
        if (declaration?.JsonSchema is { ValueKind: JsonValueKind.Object } schema && schema.TryGetProperty("properties", out JsonElement properties))
        {
            foreach (JsonProperty parameter in properties.EnumerateObject()) arguments[parameter.Name] = $"{parameter.Name}-{id}";
        }
        return arguments;
    }
}
