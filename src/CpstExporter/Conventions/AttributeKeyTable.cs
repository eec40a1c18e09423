using System.Buffers.Binary;
using System.Text;

namespace CpstExporter.Conventions;

/// <summary>
/// The attribute names of DESIGN.md §3, each with the fact it feeds and its rank (0 wins over 1 over 2: the order
/// in which the conventions try names). An open-addressing table over UTF-8 keys, so matching an attribute costs
/// one hash of at most 16 bytes and one comparison, with no string made.
/// </summary>
internal sealed class AttributeKeyTable
{
    public static readonly AttributeKeyTable Span = new(
    [
        ("cpst.use_case", Fact.UseCase, 0),
        ("gen_ai.agent.name", Fact.UseCase, 1),
        ("cpst.variant", Fact.Variant, 0),
        ("outcome", Fact.Outcome, 0),
        ("cpst.outcome", Fact.Outcome, 1),
        ("task.outcome", Fact.Outcome, 2),
        ("gen_ai.response.model", Fact.Model, 0),
        ("gen_ai.request.model", Fact.Model, 1),
        ("llm.model_name", Fact.Model, 2),
        ("gen_ai.provider.name", Fact.Provider, 0),
        ("gen_ai.system", Fact.Provider, 1),
        ("llm.provider", Fact.Provider, 2),
        ("llm.system", Fact.Provider, 3),
        ("gen_ai.usage.input_tokens", Fact.InputTokens, 0),
        ("gen_ai.usage.prompt_tokens", Fact.InputTokens, 1),
        ("llm.token_count.prompt", Fact.InputTokens, 2),
        ("gen_ai.usage.output_tokens", Fact.OutputTokens, 0),
        ("gen_ai.usage.completion_tokens", Fact.OutputTokens, 1),
        ("llm.token_count.completion", Fact.OutputTokens, 2),
        ("gen_ai.usage.cache_read.input_tokens", Fact.CacheReadTokens, 0),
        ("gen_ai.usage.cache_read_input_tokens", Fact.CacheReadTokens, 1),
        ("llm.token_count.prompt_details.cache_read", Fact.CacheReadTokens, 2),
        ("gen_ai.usage.cache_creation.input_tokens", Fact.CacheWriteTokens, 0),
        ("gen_ai.usage.cache_creation_input_tokens", Fact.CacheWriteTokens, 1),
        ("llm.token_count.prompt_details.cache_write", Fact.CacheWriteTokens, 2),
        ("gen_ai.usage.reasoning.output_tokens", Fact.ReasoningTokens, 0),
        ("llm.token_count.completion_details.reasoning", Fact.ReasoningTokens, 1),
        ("gen_ai.operation.name", Fact.Operation, 0),
        ("gen_ai.tool.name", Fact.ToolName, 0),
        ("tool.name", Fact.ToolName, 1),
        ("openinference.span.kind", Fact.OpenInferenceKind, 0),
        ("gen_ai.usage.cost", Fact.CallCost, 0),
        ("llm.cost.total", Fact.CallCost, 1),
        ("cpst.cost_usd", Fact.CallCost, 2),
        ("total_cost", Fact.TaskCost, 0),
        ("cpst.task_cost_usd", Fact.TaskCost, 1),
    ]);

    public static readonly AttributeKeyTable Resource = new(
    [
        ("service.name", Fact.UseCase, 2),
        ("deployment.environment.name", Fact.Environment, 0),
        ("deployment.environment", Fact.Environment, 1),
    ]);

    private readonly Entry[] _entries;
    private readonly int _mask;

    private readonly record struct Entry(byte[] Key, Fact Fact, byte Rank);

    private AttributeKeyTable((string Key, Fact Fact, int Rank)[] names)
    {
        int size = 16;
        while (size < names.Length * 4) size *= 2;
        _entries = new Entry[size];
        _mask = size - 1;
        foreach (var (key, fact, rank) in names)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(key);
            int slot = Hash(bytes) & _mask;
            while (_entries[slot].Key is not null) slot = (slot + 1) & _mask;
            _entries[slot] = new Entry(bytes, fact, (byte)rank);
        }
    }

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
