using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Tests.Tasks;

/// <summary>
/// What the task stage's tests share: a clock that can step, the decisions log, an assembler with short settle and
/// outcome windows, and spans as instrumentation sends them. Each job of the stage has its tests in a class of its own.
/// </summary>
public abstract class TaskStageTests
{
    private protected const int Settle = 5;
    private protected const int Window = 900;

    // Some tests below step the wall clock alone; the others only advance it.
    private protected WallSteppingTimeProvider Clock { get; } = new();
    private protected TaskDecisionLog Decisions { get; } = new();

    private protected RecordingAssembler Assembler(int maxPending = 1000) =>
        new(new TaskOptions { SettleSeconds = Settle, OutcomeWindowSeconds = Window, MaxPending = maxPending }, Decisions, Clock);

    private protected static TraceId Trace(int n) => new(0x0a0b0c0d, (ulong)n);

    private static ulong _nextSpanId = 1_000_000;

    /// <summary>Every span a fresh id, as instrumentation gives them; a root's id is fixed by its trace so children can name it.</summary>
    private protected static ulong NextSpanId() => Interlocked.Increment(ref _nextSpanId);

    private protected static ulong RootSpanId(int trace) => 0x100 + (ulong)trace;

    /// <summary>Rank 0: an explicit <c>cpst.use_case</c>; 1: <c>gen_ai.agent.name</c>; 2: the resource's <c>service.name</c>.</summary>
    private protected static SpanFacts WithUseCase(SpanFacts span, string? useCase, int useCaseRank)
    {
        switch (useCaseRank)
        {
            case 0: span.UseCase = useCase; break;
            case 1: span.AgentName = useCase; break;
            default: span.ServiceName = useCase; break;
        }
        return span;
    }

    private protected static SpanFacts Root(int trace, Outcome outcome = Outcome.Unknown, string? useCase = "svc", int useCaseRank = 2) =>
        WithUseCase(new SpanFacts { TraceId = Trace(trace), SpanId = RootSpanId(trace), IsRoot = true, Outcome = outcome }, useCase, useCaseRank);

    private protected static SpanFacts Child(int trace, Outcome outcome = Outcome.Unknown, string? useCase = "svc", int useCaseRank = 2) =>
        WithUseCase(new SpanFacts { TraceId = Trace(trace), SpanId = NextSpanId(), ParentSpanId = RootSpanId(trace), Outcome = outcome }, useCase, useCaseRank);

    private protected static SpanFacts Llm(int trace, string? model, long input = 100, long output = 10, ulong? parent = null, ulong? spanId = null) => new()
    {
        TraceId = Trace(trace),
        SpanId = spanId ?? NextSpanId(),
        ParentSpanId = parent ?? RootSpanId(trace),
        Role = SpanRole.Llm,
        Model = model,
        Provider = "openai",
        Tokens = new TokenUsage(input, output, 0, 0, 0),
        ServiceName = "svc",
    };

    private protected static SpanFacts Tool(int trace, string tool) => new()
    {
        TraceId = Trace(trace),
        SpanId = NextSpanId(),
        ParentSpanId = RootSpanId(trace),
        Role = SpanRole.Tool,
        ToolName = tool,
        ServiceName = "svc",
    };

    private protected static void Add(RecordingAssembler assembler, params (SpanFacts Span, decimal Cost)[] spans) =>
        assembler.Add(spans.Select(s => s.Span).ToArray(), spans.Select(s => Priced.At(s.Cost)).ToArray());

    private protected static void Add(RecordingAssembler assembler, params SpanFacts[] spans) => Add(assembler, spans.Select(s => (s, 0m)).ToArray());

    private protected void AdvanceAndSweep(RecordingAssembler assembler, double seconds)
    {
        Clock.AdvanceSeconds(seconds);
        assembler.Sweep();
    }

    /// <summary>Calls priced from the table at standard rates, as <see cref="Priced.At"/> prices them.</summary>
    private protected static PricingMix TablePricing(int calls) => PricingMix.Of(PricingBasis.Table, ServiceTier.Standard, calls);

    /// <summary>Tasks finished early at MaxPending, as the sink (and so <c>cpst_evicted_tasks_total</c>) saw them.</summary>
    private protected int Evicted => Decisions.Finished.Count(f => f.Reason == FinishReason.Evicted);
}
