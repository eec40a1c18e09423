using CpstExporter.Conventions;

namespace CpstExporter.Tasks;

/// <summary>
/// Which span's use case wins (docs/conventions.md), lower rank first: an explicit <c>cpst.use_case</c> on the root, then on
/// any other span; the root's <c>gen_ai.agent.name</c>, then the root's <c>service.name</c>; only then another span's
/// agent name or service, which stand in until the root arrives. A child's agent name never beats the root's service:
/// frameworks put the agent's name on every span, and a tool service its own service name.
/// </summary>
internal static class UseCaseRanks
{
    public static (string? UseCase, int Rank) Of(in SpanFacts span)
    {
        int offset = span.IsRoot ? 0 : 1;
        if (span.UseCase is not null) return (span.UseCase, offset);
        if (span.IsRoot) return span.AgentName is not null ? (span.AgentName, 2) : (span.ServiceName, 3);
        return span.AgentName is not null ? (span.AgentName, 4) : (span.ServiceName, 5);
    }
}
