using System.Buffers.Text;
using System.Globalization;
using System.Text;
using CpstExporter.Receiving;

namespace CpstExporter.Conventions;

/// <summary>
/// Applies the attribute conventions of DESIGN.md §3 to decoded spans. The only place that knows attribute names.
/// Reads each attribute once, keeps the best-ranked match per fact, and only then turns the winners into values.
/// </summary>
internal sealed class SpanFactsReader(LabelValueCache values)
{
    private const int FactCount = (int)Fact.TaskCost + 1;

    public ResourceFacts ReadResource(SpanBatch batch, in ResourceRecord resource)
    {
        Span<int> best = stackalloc int[FactCount];
        Span<int> ranks = stackalloc int[FactCount];
        FindBest(batch, resource.AttributeStart, resource.AttributeCount, AttributeKeyTable.Resource, best, ranks);
        return new ResourceFacts(StringFact(batch, best[(int)Fact.UseCase]), StringFact(batch, best[(int)Fact.Environment]));
    }

    public SpanFacts Read(SpanBatch batch, in SpanRecord span, in ResourceFacts resource)
    {
        Span<int> best = stackalloc int[FactCount];
        Span<int> ranks = stackalloc int[FactCount];
        FindBest(batch, span.AttributeStart, span.AttributeCount, AttributeKeyTable.Span, best, ranks);

        var facts = new SpanFacts
        {
            TraceId = span.TraceId,
            IsRoot = span.IsRoot,
            StatusError = span.StatusCode == 2,
            EndTimeUnixNano = span.EndTimeUnixNano,
            Environment = resource.Environment,
            Variant = StringFact(batch, best[(int)Fact.Variant]),
            Outcome = OutcomeFact(batch, best[(int)Fact.Outcome]),
            Tokens = new TokenUsage(
                LongFact(batch, best[(int)Fact.InputTokens]),
                LongFact(batch, best[(int)Fact.OutputTokens]),
                LongFact(batch, best[(int)Fact.CacheReadTokens]),
                LongFact(batch, best[(int)Fact.CacheWriteTokens]),
                LongFact(batch, best[(int)Fact.ReasoningTokens])),
            CallCost = DecimalFact(batch, best[(int)Fact.CallCost]),
            TaskCost = span.IsRoot ? DecimalFact(batch, best[(int)Fact.TaskCost]) : null,
        };

        if (best[(int)Fact.UseCase] >= 0)
        {
            facts.UseCase = StringFact(batch, best[(int)Fact.UseCase]);
            facts.UseCaseRank = ranks[(int)Fact.UseCase];
        }
        else
        {
            facts.UseCase = resource.ServiceName;
            facts.UseCaseRank = 2;
        }

        facts.Role = Role(batch, best[(int)Fact.Operation], best[(int)Fact.OpenInferenceKind], facts.Tokens);
        if (facts.Role == SpanRole.Tool)
        {
            facts.ToolName = StringFact(batch, best[(int)Fact.ToolName]);
        }
        else if (facts.Role == SpanRole.Llm)
        {
            facts.Model = StringFact(batch, best[(int)Fact.Model]);
            facts.Provider = StringFact(batch, best[(int)Fact.Provider]);
        }
        return facts;
    }

    /// <summary>Fills <paramref name="best"/> with the index of the best-ranked attribute per fact, -1 where none matched.</summary>
    private static void FindBest(SpanBatch batch, int start, int count, AttributeKeyTable table, Span<int> best, Span<int> ranks)
    {
        best.Fill(-1);
        ranks.Fill(int.MaxValue);
        ReadOnlySpan<AttributeRecord> attributes = batch.Attributes;
        for (int i = start; i < start + count; i++)
        {
            ref readonly AttributeRecord attribute = ref attributes[i];
            // An empty value is no value: the next convention in the order applies.
            if (attribute.Kind == AttributeValueKind.Empty || (attribute.Kind == AttributeValueKind.String && attribute.ValueLength == 0)) continue;
            if (!table.TryMatch(batch.KeyOf(attribute), out Fact fact, out int rank)) continue;
            if (rank >= ranks[(int)fact]) continue;
            ranks[(int)fact] = rank;
            best[(int)fact] = i;
        }
    }

    private static SpanRole Role(SpanBatch batch, int operation, int openInferenceKind, in TokenUsage tokens)
    {
        if (operation >= 0)
        {
            ReadOnlySpan<byte> op = StringBytes(batch, operation);
            if (op.SequenceEqual("execute_tool"u8)) return SpanRole.Tool;
            if (op.SequenceEqual("chat"u8) || op.SequenceEqual("text_completion"u8) ||
                op.SequenceEqual("generate_content"u8) || op.SequenceEqual("embeddings"u8)) return SpanRole.Llm;
        }
        if (openInferenceKind >= 0)
        {
            ReadOnlySpan<byte> kind = StringBytes(batch, openInferenceKind);
            if (Ascii.EqualsIgnoreCase(kind, "TOOL"u8)) return SpanRole.Tool;
            if (Ascii.EqualsIgnoreCase(kind, "LLM"u8) || Ascii.EqualsIgnoreCase(kind, "EMBEDDING"u8)) return SpanRole.Llm;
        }
        // Usage without an operation name is still an LLM call: older instrumentations set only the token counts.
        // A span that names another operation (invoke_agent) carries its children's usage again: not a call.
        return operation < 0 && openInferenceKind < 0 && !tokens.IsEmpty ? SpanRole.Llm : SpanRole.Other;
    }

    private static ReadOnlySpan<byte> StringBytes(SpanBatch batch, int index)
    {
        ref readonly AttributeRecord attribute = ref batch.Attributes[index];
        return attribute.Kind == AttributeValueKind.String ? batch.StringOf(attribute) : default;
    }

    private string? StringFact(SpanBatch batch, int index)
    {
        if (index < 0) return null;
        ref readonly AttributeRecord attribute = ref batch.Attributes[index];
        return attribute.Kind switch
        {
            AttributeValueKind.String when attribute.ValueLength > 0 => values.Get(batch.StringOf(attribute)),
            AttributeValueKind.Int => values.Get(FormatInvariant(attribute.Int, stackalloc byte[24])),
            AttributeValueKind.Bool => attribute.Int != 0 ? "true" : "false",
            _ => null,
        };
    }

    private static ReadOnlySpan<byte> FormatInvariant(long value, Span<byte> buffer)
    {
        Utf8Formatter.TryFormat(value, buffer, out int written);
        return buffer[..written];
    }

    private static Outcome OutcomeFact(SpanBatch batch, int index)
    {
        if (index < 0) return Outcome.Unknown;
        ref readonly AttributeRecord attribute = ref batch.Attributes[index];
        return attribute.Kind switch
        {
            AttributeValueKind.String => OutcomeSpelling.FromUtf8(batch.StringOf(attribute)),
            AttributeValueKind.Bool => attribute.Int != 0 ? Outcome.Success : Outcome.Failure,
            AttributeValueKind.Int or AttributeValueKind.Double => Outcome.Failure, // non-empty, not a success word
            _ => Outcome.Unknown,
        };
    }

    /// <summary>Token counts: integers, integral doubles, or decimal strings; negative or garbled values count as absent.</summary>
    private static long LongFact(SpanBatch batch, int index)
    {
        if (index < 0) return 0;
        ref readonly AttributeRecord attribute = ref batch.Attributes[index];
        long value = attribute.Kind switch
        {
            AttributeValueKind.Int => attribute.Int,
            AttributeValueKind.Double when attribute.Double is >= 0 and < 9e15 && Math.Floor(attribute.Double) == attribute.Double => (long)attribute.Double,
            AttributeValueKind.String when Utf8Parser.TryParse(batch.StringOf(attribute), out long parsed, out int consumed) && consumed == attribute.ValueLength => parsed,
            _ => 0,
        };
        return Math.Max(0, value);
    }

    /// <summary>USD amounts. Doubles convert through their shortest round-trip text, so 0.1 stays 0.1 exactly.</summary>
    private static decimal? DecimalFact(SpanBatch batch, int index)
    {
        if (index < 0) return null;
        ref readonly AttributeRecord attribute = ref batch.Attributes[index];
        decimal? value = attribute.Kind switch
        {
            AttributeValueKind.Int => attribute.Int,
            AttributeValueKind.Double when double.IsFinite(attribute.Double) && Math.Abs(attribute.Double) < 1e15 => ToDecimal(attribute.Double),
            AttributeValueKind.String => ParseDecimal(batch.StringOf(attribute)),
            _ => null,
        };
        return value >= 0 ? value : null;
    }

    private static decimal ToDecimal(double value)
    {
        Span<char> text = stackalloc char[32];
        value.TryFormat(text, out int written, "R", CultureInfo.InvariantCulture);
        return decimal.Parse(text[..written], NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static decimal? ParseDecimal(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length is 0 or > 40) return null;
        Span<char> text = stackalloc char[utf8.Length];
        for (int i = 0; i < utf8.Length; i++) text[i] = (char)utf8[i];
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal value) ? value : null;
    }
}
