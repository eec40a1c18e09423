using System.Diagnostics;
using System.Globalization;

namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// Turns a <see cref="TaskShape"/> into the spans an instrumented agent emits, through an <see cref="ActivitySource"/>
/// that the OpenTelemetry SDK listens to: an <c>invoke_agent</c> root, <c>chat</c> spans with GenAI semantic
/// convention attributes and <c>execute_tool</c> spans. The task is emitted when it ends, with span times laid out
/// backwards from now, so the exporter sees what it would see from a real agent without the demo waiting for it.
/// </summary>
internal sealed class TraceEmitter(ActivitySource source, TimeProvider time)
{
    private static readonly string[] FinishReasonStop = ["stop"];
    private static readonly string[] FinishReasonToolCalls = ["tool_calls"];
    private long _ids;

    /// <summary>Emits the task's spans, children first as they end; returns the trace id, or null if nobody listens.</summary>
    public ActivityTraceId? Emit(TaskShape task)
    {
        DateTimeOffset end = time.GetUtcNow();
        DateTimeOffset start = end - TimeSpan.FromSeconds(task.DurationSeconds + 0.05);
        using Activity? root = source.StartActivity($"invoke_agent {task.UseCase.Name}", ActivityKind.Internal, default(ActivityContext), startTime: start);
        if (root is null) return null;
        root.SetTag("gen_ai.operation.name", "invoke_agent");
        root.SetTag("gen_ai.agent.name", task.UseCase.Name);
        root.SetTag("cpst.use_case", task.UseCase.Name);
        if (task.Variant is not null) root.SetTag("cpst.variant", task.Variant);

        DateTimeOffset at = start.AddMilliseconds(25);
        for (int i = 0; i < task.Calls.Count; i++)
        {
            CallShape call = task.Calls[i];
            bool last = i == task.Calls.Count - 1;
            DateTimeOffset callEnd = at + TimeSpan.FromSeconds(call.DurationSeconds);
            using (Activity? child = call.Kind == CallKind.Llm ? StartLlm(root.Context, call, at, last) : StartTool(root.Context, call, at))
            {
                if (child is not null)
                {
                    child.SetTag("cpst.use_case", task.UseCase.Name);
                    child.SetEndTime(callEnd.UtcDateTime);
                }
            }
            at = callEnd;
        }

        if (task.Delivery == OutcomeDelivery.OnRoot) root.SetTag("outcome", task.OutcomeValue);
        root.SetEndTime(end.UtcDateTime);
        return root.TraceId;
    }

    private Activity? StartLlm(ActivityContext parent, CallShape call, DateTimeOffset at, bool last)
    {
        ModelSpec model = call.Model!;
        Activity? span = source.StartActivity($"chat {model.Name}", ActivityKind.Client, parent, startTime: at);
        if (span is null) return null;
        span.SetTag("gen_ai.operation.name", "chat");
        span.SetTag(model.ProviderAttribute, model.Provider);
        span.SetTag("gen_ai.request.model", model.Name);
        span.SetTag("gen_ai.response.model", model.Name);
        span.SetTag("gen_ai.request.max_tokens", 4096L);
        span.SetTag("gen_ai.request.temperature", 0.2);
        span.SetTag("gen_ai.response.id", "resp_" + NextId());
        span.SetTag("gen_ai.response.finish_reasons", last ? FinishReasonStop : FinishReasonToolCalls);
        span.SetTag("gen_ai.usage.input_tokens", call.InputTokens);
        span.SetTag("gen_ai.usage.output_tokens", call.OutputTokens);
        if (call.CacheReadTokens > 0) span.SetTag("gen_ai.usage.cache_read.input_tokens", call.CacheReadTokens);
        if (model.ServerAddress is not null)
        {
            span.SetTag("server.address", model.ServerAddress);
            span.SetTag("server.port", 443L);
        }
        return span;
    }

    private Activity? StartTool(ActivityContext parent, CallShape call, DateTimeOffset at)
    {
        Activity? span = source.StartActivity($"execute_tool {call.Tool}", ActivityKind.Internal, parent, startTime: at);
        if (span is null) return null;
        span.SetTag("gen_ai.operation.name", "execute_tool");
        span.SetTag("gen_ai.tool.name", call.Tool);
        span.SetTag("gen_ai.tool.type", "function");
        span.SetTag("gen_ai.tool.call.id", "call_" + NextId());
        return span;
    }

    private string NextId() => (++_ids).ToString("x8", CultureInfo.InvariantCulture);
}
