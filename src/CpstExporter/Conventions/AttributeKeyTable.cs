using System.Text;
using CpstExporter.Receiving;

namespace CpstExporter.Conventions;

/// <summary>
/// The attribute names of docs/conventions.md, each with the fact it feeds and its rank (0 wins over 1 over 2: the order in
/// which the conventions try names). An operator's own names (<see cref="ConventionOptions"/>) come first. An
/// open-addressing table over UTF-8 keys (<see cref="AttributeKeySet"/>), so matching an attribute costs one hash of
/// at most 16 bytes and one comparison, with no string made. The receivers match with the same set as they read, and
/// keep only the attributes it names, each with its code: a span's attributes are matched once.
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
            "llm.token_count.prompt_details.cache_read", "ai.usage.inputTokenDetails.cacheReadTokens", "ai.usage.cachedInputTokens",
            "gen_ai.usage.details.cache_read_tokens", "llm.usage.cache_read_input_tokens"]),
        (Fact.CacheWriteTokens, ["gen_ai.usage.cache_write.input_tokens", "gen_ai.usage.cache_creation.input_tokens",
            "gen_ai.usage.cache_creation_input_tokens", "llm.token_count.prompt_details.cache_write", "ai.usage.inputTokenDetails.cacheWriteTokens",
            "gen_ai.usage.details.cache_write_tokens", "llm.usage.cache_creation_input_tokens"]),
        (Fact.ReasoningTokens, ["gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens", "gen_ai.usage.details.reasoning_tokens",
            "llm.token_count.completion_details.reasoning", "ai.usage.outputTokenDetails.reasoningTokens", "ai.usage.reasoningTokens",
            "llm.usage.reasoning_tokens"]),
        (Fact.CacheWrite1hTokens, ["cpst.usage.cache_write_1h.input_tokens"]),
        // What the provider served first; what was asked for only when no span says what was served.
        (Fact.ServiceTier, ["openai.response.service_tier", "gen_ai.openai.response.service_tier",
            "openai.request.service_tier", "gen_ai.openai.request.service_tier", "cpst.service_tier"]),
        (Fact.ReportedCost, ["gen_ai.usage.cost.amount"]),
        (Fact.ReportedCostCurrency, ["gen_ai.usage.cost.currency"]),
        (Fact.ReportedCostSource, ["gen_ai.usage.cost.source"]),
        (Fact.Operation, ["gen_ai.operation.name"]),
        (Fact.VercelOperation, ["ai.operationId"]),
        (Fact.ToolName, ["gen_ai.tool.name", "tool.name", "traceloop.entity.name", "ai.toolCall.name"]),
        (Fact.OpenInferenceKind, ["openinference.span.kind"]),
        (Fact.TraceloopKind, ["traceloop.span.kind"]),
        (Fact.ErrorType, ["error.type"]),
        (Fact.CallCost, ["cpst.cost_usd"]),
        (Fact.CostEstimate, ["gen_ai.usage.cost", "llm.cost.total", "operation.cost"]),
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

    /// <summary>Per code of <see cref="Keys"/>: the fact its key names and the key's rank among that fact's names.</summary>
    private readonly (Fact Fact, int Rank)[] _codes;
    private readonly byte[] _operatorNames = new byte[(int)Fact.TaskCost + 1];

    private AttributeKeyTable(IEnumerable<(Fact Fact, string[] Names)> operatorNames, IEnumerable<(Fact Fact, string[] Names)> builtIn)
    {
        var keys = new List<(byte[] Key, int Code)>();
        var codes = new List<(Fact, int)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var nextRank = new int[_operatorNames.Length];
        foreach (var (fact, names) in operatorNames.Concat(builtIn))
            foreach (string name in names)
            {
                if (!seen.Add(name)) continue; // an operator's name for one fact is not also a built-in one's
                keys.Add((Encoding.UTF8.GetBytes(name), codes.Count));
                codes.Add((fact, nextRank[(int)fact]++));
            }
        foreach (var (fact, names) in operatorNames) _operatorNames[(int)fact] = (byte)names.Length;
        _codes = [.. codes];
        Keys = new AttributeKeySet(keys);
    }

    /// <summary>The keys of this table, for the receivers to keep only those attributes; the code of a key is what
    /// <see cref="FromCode"/> takes.</summary>
    public AttributeKeySet Keys { get; }

    public static AttributeKeyTable ForSpans(ConventionOptions options) =>
        new(options.Names.Select(n => (n.Key, n.Value)), SpanNames);

    public static AttributeKeyTable ForResources(ConventionOptions options) =>
        new(options.Names.Where(n => ResourceOperatorFacts.Contains(n.Key)).Select(n => (n.Key, n.Value)), ResourceNames);

    /// <summary>True when an attribute of this rank for <paramref name="fact"/> is one of the operator's names.</summary>
    public bool IsOperatorName(Fact fact, int rank) => rank < _operatorNames[(int)fact];

    public bool TryMatch(ReadOnlySpan<byte> key, out Fact fact, out int rank)
    {
        if (Keys.TryMatch(key, out int code)) return FromCode(code, out fact, out rank);
        fact = default;
        rank = 0;
        return false;
    }

    /// <summary>The rank of one name of <paramref name="fact"/>; -1 when the table has it for another fact.</summary>
    public int RankOf(Fact fact, string name) =>
        TryMatch(Encoding.UTF8.GetBytes(name), out Fact found, out int rank) && found == fact ? rank : -1;

    /// <summary>The fact and rank of an attribute a receiver kept with a code of <see cref="Keys"/>.</summary>
    public bool FromCode(int code, out Fact fact, out int rank)
    {
        if ((uint)code < (uint)_codes.Length)
        {
            (fact, rank) = _codes[code];
            return true;
        }
        fact = default;
        rank = 0;
        return false;
    }
}
