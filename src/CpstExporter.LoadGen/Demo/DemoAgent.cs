using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// The demo's agents, built as a .NET team builds one today: a Microsoft.Extensions.AI chat client per model,
/// <c>new ChatClientBuilder(model).UseFunctionInvocation().UseOpenTelemetry(sourceName: …).Build()</c>, the tools as
/// <see cref="AIFunction"/>s, and the agent's own <c>invoke_agent</c> activity around each task, which names the use
/// case, the variant and, when the agent knows it at the end, the outcome. The models are <see cref="SimulatedModel"/>s
/// that play the task's plan, so the spans are Microsoft.Extensions.AI's own: <c>chat {model}</c> with the
/// <c>gen_ai.*</c> usage attributes, and <c>execute_tool {name}</c>.
/// </summary>
/// <remarks>
/// Because the root is named <c>invoke_agent …</c>, function invocation adds no <c>orchestrate_tools</c> span and starts
/// its <c>execute_tool</c> spans on the root's <see cref="ActivitySource"/>, so a task is exactly its root, its chat
/// spans and its tool spans (<see cref="TaskShape.SpanCount"/>), and the tracer provider must listen to the source
/// name the agent is given, which names both the agent's own source and the chat clients' instrumentation.
/// </remarks>
internal sealed class DemoAgent : IDisposable
{
    private readonly ActivitySource _source;
    private readonly TimeProvider _time;
    private readonly Dictionary<ModelSpec, IChatClient> _chatClients = [];
    private readonly Dictionary<string, AITool[]> _tools = new(StringComparer.Ordinal);

    public DemoAgent(string sourceName, TimeProvider time)
    {
        _source = new ActivitySource(sourceName);
        _time = time;
        foreach (UseCaseProfile profile in UseCaseProfiles.All)
        {
            _tools[profile.Name] = DemoTools.Of(profile);
            foreach (ModelSpec model in new[] { profile.Model, profile.CheapModel })
            {
                if (_chatClients.ContainsKey(model)) continue;
                _chatClients[model] = new ChatClientBuilder(new SimulatedModel(model))
                    .UseFunctionInvocation()
                    // Message contents stay off the spans whatever OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT says: the
                    // exporter reads none of them, and the demo's are canned.
                    .UseOpenTelemetry(sourceName: sourceName, configure: telemetry => telemetry.EnableSensitiveData = false)
                    .Build();
            }
        }
    }

    /// <summary>
    /// Runs the task as the agent would, ending now: the conversation goes on, one tool loop after another, until the
    /// plan's last LLM call has answered. Returns the task's trace id, or null when no tracer listens.
    /// </summary>
    public async Task<ActivityTraceId?> RunAsync(TaskShape task, CancellationToken cancellationToken)
    {
        DateTimeOffset end = _time.GetUtcNow();
        DateTimeOffset start = end - TimeSpan.FromSeconds(task.DurationSeconds + 0.05);
        string useCase = task.UseCase.Name;
        using Activity? root = _source.StartActivity($"invoke_agent {useCase}", ActivityKind.Internal, default(ActivityContext), startTime: start);
        root?.SetTag("gen_ai.operation.name", "invoke_agent");
        root?.SetTag("gen_ai.agent.name", useCase);
        root?.SetTag("cpst.use_case", useCase);
        if (task.Variant is not null) root?.SetTag("cpst.variant", task.Variant);

        var script = new TaskScript(task, start.AddMilliseconds(25));
        var options = new ChatOptions
        {
            Tools = _tools[useCase],
            Temperature = 0.2f,
            MaxOutputTokens = 4096,
            AdditionalProperties = new AdditionalPropertiesDictionary { [TaskScript.OptionsKey] = script },
        };
        IChatClient chat = _chatClients[task.Model];
        List<ChatMessage> conversation = [new(ChatRole.System, $"You are the {useCase} agent."), new(ChatRole.User, "Here is the next request.")];
        while (!script.Done)
        {
            ChatResponse response = task.UseCase.Streams
                ? await chat.GetStreamingResponseAsync(conversation, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false)
                : await chat.GetResponseAsync(conversation, options, cancellationToken).ConfigureAwait(false);
            conversation.AddMessages(response);
            // The agent reviews the answer and asks for more until the work is done: a re-planning loop, as coding agents run.
            if (!script.Done) conversation.Add(new ChatMessage(ChatRole.User, "Check the result and carry on."));
        }

        if (task.Delivery == OutcomeDelivery.OnRoot) root?.SetTag("outcome", task.OutcomeValue);
        root?.SetEndTime(end.UtcDateTime);
        return root?.TraceId;
    }

    public void Dispose()
    {
        foreach (IChatClient chat in _chatClients.Values) chat.Dispose();
        _source.Dispose();
    }
}
