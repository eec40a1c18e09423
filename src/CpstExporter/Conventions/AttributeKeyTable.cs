using System.Buffers.Binary;
using System.Text;

namespace CpstExporter.Conventions;

/// <summary>
/// The attribute names of DESIGN.md §3, each with the fact it feeds and its rank (0 wins over 1 over 2: the order in
/// which the conventions try names). An operator's own names (<see cref="ConventionOptions"/>) come first. An
/// open-addressing table over UTF-8 keys, so matching an attribute costs one hash of at most 16 bytes and one
/// comparison, with no string made.
/// </summary>
internal sealed class AttributeKeyTable
{
    /// <summary>The built-in span attribute names per fact, in the order they are tried.</summary>
    private static readonly (Fact Fact, string[] Names)[] SpanNames =
    [
        (Fact.UseCase, ["cpst.use_case"]),
        (Fact.AgentName, ["gen_ai.agent.name"]),
        (Fact.Variant, ["cpst.variant"]),
        (Fact.Outcome, ["outcome", "cpst.outcome", "task.outcome"]),
        (Fact.Model, ["gen_ai.response.model", "gen_ai.request.model", "llm.model_name", "ai.model.id"]),
        (Fact.Provider, ["gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system", "ai.model.provider"]),
        (Fact.InputTokens, ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"]),
        (Fact.OutputTokens, ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion"]),
        (Fact.CacheReadTokens, ["gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
            "llm.token_count.prompt_details.cache_read", "ai.usage.inputTokenDetails.cacheReadTokens", "ai.usage.cachedInputTokens"]),
        (Fact.CacheWriteTokens, ["gen_ai.usage.cache_write.input_tokens", "gen_ai.usage.cache_creation.input_tokens",
            "gen_ai.usage.cache_creation_input_tokens", "llm.token_count.prompt_details.cache_write", "ai.usage.inputTokenDetails.cacheWriteTokens"]),
        (Fact.ReasoningTokens, ["gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens", "gen_ai.usage.details.reasoning_tokens",
            "llm.token_count.completion_details.reasoning", "ai.usage.outputTokenDetails.reasoningTokens", "ai.usage.reasoningTokens"]),
        (Fact.Operation, ["gen_ai.operation.name"]),
        (Fact.VercelOperation, ["ai.operationId"]),
        (Fact.ToolName, ["gen_ai.tool.name", "tool.name", "traceloop.entity.name", "ai.toolCall.name"]),
        (Fact.OpenInferenceKind, ["openinference.span.kind"]),
        (Fact.TraceloopKind, ["traceloop.span.kind"]),
        (Fact.CallCost, ["cpst.cost_usd"]),
        (Fact.CostEstimate, ["gen_ai.usage.cost", "llm.cost.total"]),
        (Fact.TaskCost, ["total_cost", "cpst.task_cost_usd"]),
    ];

    private static readonly (Fact Fact, string[] Names)[] ResourceNames =
    [
        (Fact.ServiceName, ["service.name"]),
        (Fact.Environment, ["deployment.environment.name", "deployment.environment"]),
    ];

    /// <summary>The facts an operator's names also apply to on resources: a use case or environment may be set per service.</summary>
    private static readonly Fact[] ResourceOperatorFacts = [Fact.UseCase, Fact.Environment];

    public static readonly AttributeKeyTable Span = ForSpans(ConventionOptions.None);
    public static readonly AttributeKeyTable Resource = ForResources(ConventionOptions.None);

    private readonly Entry[] _entries;
    private readonly int _mask;
    private readonly byte[] _operatorNames = new byte[(int)Fact.TaskCost + 1];

    private readonly record struct Entry(byte[] Key, Fact Fact, byte Rank);

    private AttributeKeyTable(IEnumerable<(Fact Fact, string[] Names)> operatorNames, IEnumerable<(Fact Fact, string[] Names)> builtIn)
    {
        var keys = new List<(string Key, Fact Fact, int Rank)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var nextRank = new int[_operatorNames.Length];
        foreach (var (fact, names) in operatorNames.Concat(builtIn))
            foreach (string name in names)
                if (seen.Add(name)) keys.Add((name, fact, nextRank[(int)fact]++)); // an operator's name for one fact is not also a built-in one's
        foreach (var (fact, names) in operatorNames) _operatorNames[(int)fact] = (byte)names.Length;

        int size = 16;
        while (size < keys.Count * 4) size *= 2;
        _entries = new Entry[size];
        _mask = size - 1;
        foreach (var (key, fact, rank) in keys)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(key);
            int slot = Hash(bytes) & _mask;
            while (_entries[slot].Key is not null) slot = (slot + 1) & _mask;
            _entries[slot] = new Entry(bytes, fact, (byte)rank);
        }
    }

    public static AttributeKeyTable ForSpans(ConventionOptions options) =>
        new(options.Names.Select(n => (n.Key, n.Value)), SpanNames);

    public static AttributeKeyTable ForResources(ConventionOptions options) =>
        new(options.Names.Where(n => ResourceOperatorFacts.Contains(n.Key)).Select(n => (n.Key, n.Value)), ResourceNames);

    /// <summary>True when an attribute of this rank for <paramref name="fact"/> is one of the operator's names.</summary>
    public bool IsOperatorName(Fact fact, int rank) => rank < _operatorNames[(int)fact];

    public bool TryMatch(ReadOnlySpan<byte> key, out Fact fact, out int rank)
    {
        int slot = Hash(key) & _mask;
        while (true)
        {
            ref readonly Entry entry = ref _entries[slot];
            if (entry.Key is null) break;
            if (key.SequenceEqual(entry.Key))
            {
                fact = entry.Fact;
                rank = entry.Rank;
                return true;
            }
            slot = (slot + 1) & _mask;
        }
        fact = default;
        rank = 0;
        return false;
    }

    // Length plus the first and last eight bytes tell these names apart; the full comparison settles the rest.
    private static int Hash(ReadOnlySpan<byte> key)
    {
        ulong head = 0, tail = 0;
        if (key.Length >= 8)
        {
            head = BinaryPrimitives.ReadUInt64LittleEndian(key);
            tail = BinaryPrimitives.ReadUInt64LittleEndian(key[^8..]);
        }
        else
        {
            foreach (byte b in key) head = head << 8 | b;
        }
        ulong mixed = (head * 0x9E3779B97F4A7C15UL) ^ (tail * 0xC2B2AE3D27D4EB4FUL) ^ (ulong)key.Length;
        return (int)(mixed >> 32 ^ mixed);
    }
}
