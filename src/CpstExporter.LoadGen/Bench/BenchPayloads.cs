using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.LoadGen.Bench;

/// <summary>
/// Builds the bench's requests with the generated protobuf classes, as an OpenTelemetry SDK would send them: one
/// resource with the SDK's attributes, one scope, and whole tasks whose children come before their root (spans are
/// exported as they end). LLM spans carry 15 attributes, tool spans 13, roots 12: GenAI semantic conventions plus
/// the HTTP and server attributes instrumentations add.
/// </summary>
internal sealed class BenchPayloads(int seed)
{
    /// <summary>A throughput task: root, three LLM calls, two tool calls.</summary>
    public const int SpansPerTask = 6;

    /// <summary>A task left pending: root without outcome, one LLM call, one tool call.</summary>
    public const int SpansPerPendingTask = 3;

    private static readonly DateTimeOffset Epoch = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly Random _random = new(seed);

    /// <summary>Tasks with an outcome on the root (4 in 5 succeed), so they settle and leave the exporter's memory.</summary>
    public PayloadTemplate Throughput(int spans) => Template(Math.Max(1, spans / SpansPerTask), withOutcome: true);

    /// <summary>Tasks without an outcome: they wait for one for the exporter's outcome window.</summary>
    public PayloadTemplate Pending(int spans) => Template(Math.Max(1, spans / SpansPerPendingTask), withOutcome: false);

    /// <summary>One finished task per (use case, model): a root with its outcome and one LLM call, each pair a new label set.</summary>
    public byte[] Series(IEnumerable<(string UseCase, string Model)> pairs)
    {
        var spans = new List<Span>();
        foreach (var (useCase, model) in pairs)
        {
            byte[] traceId = RandomId(16);
            var agent = new BenchAgent(useCase, model, "openai", "api.openai.com", "web_search", "fetch_page");
            byte[] root = RandomId(8);
            spans.Add(Llm(traceId, root, agent, 0));
            spans.Add(Root(traceId, root, agent, outcome: "success", 1));
        }
        return Request(spans).ToByteArray();
    }

    private PayloadTemplate Template(int tasks, bool withOutcome)
    {
        var placeholders = new List<byte[]>(tasks);
        var spans = new List<Span>(tasks * SpansPerTask);
        for (int t = 0; t < tasks; t++)
        {
            byte[] traceId = RandomId(16);
            placeholders.Add(traceId);
            BenchAgent agent = BenchAgent.All[t % BenchAgent.All.Length];
            byte[] root = RandomId(8);
            if (withOutcome)
            {
                spans.Add(Llm(traceId, root, agent, 0));
                spans.Add(Tool(traceId, root, agent, agent.Tool, 1));
                spans.Add(Llm(traceId, root, agent, 2));
                spans.Add(Tool(traceId, root, agent, agent.SecondTool, 3));
                spans.Add(Llm(traceId, root, agent, 4));
                spans.Add(Root(traceId, root, agent, _random.Next(5) == 0 ? "failure" : "success", 5));
            }
            else
            {
                spans.Add(Llm(traceId, root, agent, 0));
                spans.Add(Tool(traceId, root, agent, agent.Tool, 1));
                spans.Add(Root(traceId, root, agent, outcome: null, 2));
            }
        }
        byte[] message = Request(spans).ToByteArray();
        return new PayloadTemplate(message, PayloadTemplate.FindOffsets(message, placeholders), spans.Count);
    }

    private static ExportTraceServiceRequest Request(IEnumerable<Span> spans)
    {
        var resource = new Resource();
        resource.Attributes.AddRange([
            String("service.name", "agent-platform"), String("service.version", "2.14.1"),
            String("service.instance.id", "7f3c2a9e-5b1d-4e8f-9a6c-0d2e4f6a8b1c"), String("deployment.environment.name", "prod"),
            String("host.name", "agents-7d9f8b6c5-x2k4q"), String("process.runtime.name", ".NET"),
            String("telemetry.sdk.name", "opentelemetry"), String("telemetry.sdk.language", "dotnet"),
            String("telemetry.sdk.version", "1.20.1"),
        ]);
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "Agents.Runtime", Version = "2.14.1" } };
        scope.Spans.AddRange(spans);
        var resourceSpans = new ResourceSpans { Resource = resource };
        resourceSpans.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resourceSpans);
        return request;
    }

    private Span Root(byte[] traceId, byte[] spanId, BenchAgent agent, string? outcome, int step)
    {
        Span span = NewSpan(traceId, spanId, parent: null, $"invoke_agent {agent.UseCase}", Span.Types.SpanKind.Internal, 0, step + 1);
        span.Attributes.AddRange([
            String("gen_ai.operation.name", "invoke_agent"), String("gen_ai.agent.name", agent.UseCase),
            String("gen_ai.agent.id", "asst_" + Hex(6)), String("gen_ai.conversation.id", "conv_" + Hex(8)),
            String("cpst.use_case", agent.UseCase), String("cpst.variant", _random.Next(2) == 0 ? "prompt-a" : "prompt-b"),
            String("gen_ai.request.model", agent.Model), String("enduser.id", "user-" + _random.Next(100_000)),
            String("session.id", Hex(16)), String("app.channel", "web"), Int("app.attempt", 1),
        ]);
        if (outcome is not null) span.Attributes.Add(String("outcome", outcome));
        else span.Attributes.Add(String("app.review", "pending"));
        if (outcome == "failure") span.Status = new Status { Code = Status.Types.StatusCode.Error, Message = "task failed" };
        return span;
    }

    private Span Llm(byte[] traceId, byte[] rootId, BenchAgent agent, int step)
    {
        Span span = NewSpan(traceId, RandomId(8), rootId, $"chat {agent.Model}", Span.Types.SpanKind.Client, step, step + 1);
        long input = _random.Next(1000, 20_000);
        var finish = new AnyValue { ArrayValue = new ArrayValue() };
        finish.ArrayValue.Values.Add(new AnyValue { StringValue = step >= 4 ? "stop" : "tool_calls" });
        span.Attributes.AddRange([
            String("gen_ai.operation.name", "chat"), String("gen_ai.provider.name", agent.Provider),
            String("gen_ai.request.model", agent.Model), String("gen_ai.response.model", agent.Model),
            Int("gen_ai.request.max_tokens", 4096), Double("gen_ai.request.temperature", 0.2), Double("gen_ai.request.top_p", 0.95),
            String("gen_ai.response.id", "resp_" + Hex(12)), new KeyValue { Key = "gen_ai.response.finish_reasons", Value = finish },
            Int("gen_ai.usage.input_tokens", input), Int("gen_ai.usage.output_tokens", _random.Next(100, 2000)),
            Int("gen_ai.usage.cache_read.input_tokens", _random.Next(2) == 0 ? input / 2 : 0),
            String("server.address", agent.ServerAddress), Int("server.port", 443), String("cpst.use_case", agent.UseCase),
        ]);
        return span;
    }

    private Span Tool(byte[] traceId, byte[] rootId, BenchAgent agent, string tool, int step)
    {
        Span span = NewSpan(traceId, RandomId(8), rootId, $"execute_tool {tool}", Span.Types.SpanKind.Internal, step, step + 1);
        span.Attributes.AddRange([
            String("gen_ai.operation.name", "execute_tool"), String("gen_ai.tool.name", tool), String("gen_ai.tool.type", "function"),
            String("gen_ai.tool.call.id", "call_" + Hex(12)), String("gen_ai.tool.description", "Looks things up for the agent"),
            String("gen_ai.agent.name", agent.UseCase), String("cpst.use_case", agent.UseCase),
            String("http.request.method", "GET"), String("url.full", $"https://tools.internal/{tool}?q={Hex(4)}"),
            Int("http.response.status_code", 200), String("server.address", "tools.internal"), Int("server.port", 443),
            String("network.protocol.version", "1.1"),
        ]);
        return span;
    }

    private static Span NewSpan(byte[] traceId, byte[] spanId, byte[]? parent, string name, Span.Types.SpanKind kind, int startStep, int endStep)
    {
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(traceId),
            SpanId = ByteString.CopyFrom(spanId),
            Name = name,
            Kind = kind,
            StartTimeUnixNano = UnixNanos(Epoch.AddSeconds(startStep)),
            EndTimeUnixNano = UnixNanos(Epoch.AddSeconds(endStep).AddMilliseconds(-5)),
        };
        if (parent is not null) span.ParentSpanId = ByteString.CopyFrom(parent);
        return span;
    }

    private static ulong UnixNanos(DateTimeOffset time) => (ulong)(time - DateTimeOffset.UnixEpoch).Ticks * 100;

    private byte[] RandomId(int length)
    {
        byte[] id = new byte[length];
        _random.NextBytes(id);
        id[0] |= 0x80; // never all zero, which OTLP forbids
        return id;
    }

    private string Hex(int bytes) => Convert.ToHexStringLower(RandomId(bytes));

    private static KeyValue String(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };
    private static KeyValue Int(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };
    private static KeyValue Double(string key, double value) => new() { Key = key, Value = new AnyValue { DoubleValue = value } };
}
