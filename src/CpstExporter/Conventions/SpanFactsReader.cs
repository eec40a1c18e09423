using System.Buffers.Text;
using System.Globalization;
using System.Text;
using CpstExporter.Primitives;
using CpstExporter.Receiving;

namespace CpstExporter.Conventions;

/// <summary>
/// Applies the attribute conventions of docs/conventions.md to decoded spans. The only place that knows attribute names.
/// Reads each attribute once, keeps the best-ranked match per fact, and only then turns the winners into values.
/// </summary>
internal sealed class SpanFactsReader
{
    private const int FactCount = (int)Fact.TaskCost + 1;

    /// <summary>The API flavour some libraries append to the provider (the Vercel AI SDK's <c>openai.chat</c>): not part of who bills.</summary>
    private static readonly byte[][] ProviderApiSuffixes =
        [".chat"u8.ToArray(), ".responses"u8.ToArray(), ".completion"u8.ToArray(), ".completions"u8.ToArray(),
         ".embedding"u8.ToArray(), ".embeddings"u8.ToArray(), ".messages"u8.ToArray()];

    private readonly LabelValueCache _values;
    private readonly AttributeKeyTable _spanKeys;
    private readonly AttributeKeyTable _resourceKeys;
    private readonly PlausibleRange _range;
    /// <summary>The rank of <c>ai.toolCall.name</c> among the tool-name keys.</summary>
    private readonly int _vercelToolNameRank;
    /// <summary>The rank of <c>gen_ai.tool.name</c> among the tool-name keys.</summary>
    private readonly int _genAiToolNameRank;

    public SpanFactsReader(LabelValueCache values, ConventionOptions? conventions = null, PlausibleRange? range = null)
    {
        _values = values;
        conventions ??= ConventionOptions.None;
        _spanKeys = ReferenceEquals(conventions, ConventionOptions.None) ? AttributeKeyTable.Span : AttributeKeyTable.ForSpans(conventions);
        _resourceKeys = ReferenceEquals(conventions, ConventionOptions.None) ? AttributeKeyTable.Resource : AttributeKeyTable.ForResources(conventions);
        _range = range ?? PlausibleRange.Default;
        _vercelToolNameRank = _spanKeys.RankOf(Fact.ToolName, "ai.toolCall.name");
        _genAiToolNameRank = _spanKeys.RankOf(Fact.ToolName, "gen_ai.tool.name");
    }

    /// <summary>The span attribute keys the conventions read: the receivers keep only these.</summary>
    public AttributeKeySet SpanKeys => _spanKeys.Keys;

    /// <summary>The resource attribute keys the conventions read.</summary>
    public AttributeKeySet ResourceKeys => _resourceKeys.Keys;

    /// <summary>The plausible token counts and costs; a span beyond them is marked <see cref="SpanFacts.Implausible"/>.</summary>
    public PlausibleRange Range => _range;

    /// <summary>
    /// Reads the spans of <paramref name="batch"/> into <paramref name="facts"/>, in order, leaving out those whose token
    /// counts are implausible: they are refused on the batch (<see cref="RejectionReason.ImplausibleUsage"/>), which
    /// reports them in <c>partial_success</c>. An implausible cost or an unknown service tier is ignored, not the span:
    /// noted on the batch (<see cref="SpanBatch.Ignore"/>) and counted. <paramref name="resources"/> is room for the
    /// batch's resources. Returns the spans kept.
    /// </summary>
    public int ReadPlausible(SpanBatch batch, Span<ResourceFacts> resources, Span<SpanFacts> facts)
    {
        for (int r = 0; r < batch.ResourceCount; r++) resources[r] = ReadResource(batch, batch.Resources[r]);
        ReadOnlySpan<SpanRecord> spans = batch.Spans;
        int kept = 0, implausibleCosts = 0, unknownTiers = 0;
        for (int i = 0; i < spans.Length; i++)
        {
            ref readonly SpanRecord span = ref spans[i];
            facts[kept] = Read(batch, in span, in resources[span.ResourceIndex]);
            if (facts[kept].Implausible) continue;
            if ((facts[kept].Ignored & IgnoredFacts.ImplausibleCost) != 0) implausibleCosts++;
            if ((facts[kept].Ignored & IgnoredFacts.UnknownServiceTier) != 0) unknownTiers++;
            kept++;
        }
        if (kept < spans.Length) batch.Reject(RejectionReason.ImplausibleUsage, spans.Length - kept, ImplausibleMessage());
        if (implausibleCosts > 0) batch.Ignore(IgnoredAttributeReason.ImplausibleCost, implausibleCosts, ImplausibleCostMessage());
        if (unknownTiers > 0) batch.Ignore(IgnoredAttributeReason.UnknownServiceTier, unknownTiers, UnknownServiceTierMessage);
        return kept;
    }

    /// <summary>
    /// Turns the evaluation events of <paramref name="batch"/> (span events and log records, docs/operations.md,
    /// "Evaluation events") into verdicts for the task stage, into <paramref name="results"/>, in order. Names and labels
    /// become strings through the label value cache, as a span's use case or model does: the name is a label of
    /// <c>cpst_evaluations_total</c>, and a name or label seen before costs no new string.
    /// </summary>
    public int ReadEvaluations(SpanBatch batch, Span<EvaluationResult> results)
    {
        ReadOnlySpan<EvaluationRecord> evaluations = batch.Evaluations;
        for (int i = 0; i < evaluations.Length; i++)
        {
            ref readonly EvaluationRecord evaluation = ref evaluations[i];
            results[i] = new EvaluationResult(evaluation.TraceId, _values.Get(batch.NameOf(in evaluation)),
                evaluation.LabelLength > 0 ? _values.Get(batch.LabelOf(in evaluation)) : null,
                evaluation.HasScore ? evaluation.Score : null, Explanation: null);
        }
        return evaluations.Length;
    }

    public ResourceFacts ReadResource(SpanBatch batch, in ResourceRecord resource)
    {
        Span<int> best = stackalloc int[FactCount];
        Span<int> ranks = stackalloc int[FactCount];
        FindBest(batch, resource.AttributeStart, resource.AttributeCount, _resourceKeys, batch.ResourceKeys, best, ranks);
        return new ResourceFacts(
            StringFact(batch, best[(int)Fact.ServiceName]),
            StringFact(batch, best[(int)Fact.Environment]),
            StringFact(batch, best[(int)Fact.UseCase]));
    }

    public SpanFacts Read(SpanBatch batch, in SpanRecord span, in ResourceFacts resource)
    {
        Span<int> best = stackalloc int[FactCount];
        Span<int> ranks = stackalloc int[FactCount];
        FindBest(batch, span.AttributeStart, span.AttributeCount, _spanKeys, batch.SpanKeys, best, ranks);

        bool implausible = false;
        IgnoredFacts ignored = IgnoredFacts.None;
        long cacheWrite = TokenFact(batch, best[(int)Fact.CacheWriteTokens], ref implausible);
        long cacheWrite1h = TokenFact(batch, best[(int)Fact.CacheWrite1hTokens], ref implausible);
        // One-hour writes are a subset of the writes; reported beside the five-minute ones instead, they are added.
        if (cacheWrite1h > cacheWrite) cacheWrite = Saturating.Add(cacheWrite, cacheWrite1h);
        var facts = new SpanFacts
        {
            TraceId = span.TraceId,
            SpanId = span.SpanId,
            ParentSpanId = span.ParentSpanId,
            IsRoot = span.IsRoot,
            StatusError = span.StatusCode == 2,
            ErrorType = best[(int)Fact.ErrorType] >= 0,
            StartTimeUnixNano = span.StartTimeUnixNano,
            EndTimeUnixNano = span.EndTimeUnixNano,
            UseCase = StringFact(batch, best[(int)Fact.UseCase]) ?? resource.UseCase,
            AgentName = StringFact(batch, best[(int)Fact.AgentName]),
            ServiceName = resource.ServiceName,
            Environment = StringFact(batch, best[(int)Fact.Environment]) ?? resource.Environment,
            Variant = StringFact(batch, best[(int)Fact.Variant]),
            Outcome = OutcomeFact(batch, best[(int)Fact.Outcome]),
            Tokens = new TokenUsage(
                TokenFact(batch, best[(int)Fact.InputTokens], ref implausible),
                TokenFact(batch, best[(int)Fact.OutputTokens], ref implausible),
                TokenFact(batch, best[(int)Fact.CacheReadTokens], ref implausible),
                cacheWrite,
                TokenFact(batch, best[(int)Fact.ReasoningTokens], ref implausible)).WithSubsetsIncluded(),
            CacheWrite1hTokens = cacheWrite1h,
            CallCost = CostFact(batch, best[(int)Fact.CallCost], ref ignored),
            CostEstimate = CostFact(batch, best[(int)Fact.CostEstimate], ref ignored),
            ReportedCost = CostFact(batch, best[(int)Fact.ReportedCost], ref ignored),
            ReportedCostCurrency = StringFact(batch, best[(int)Fact.ReportedCostCurrency]),
            ReportedByProvider = best[(int)Fact.ReportedCostSource] >= 0 &&
                                 Ascii.EqualsIgnoreCase(StringBytes(batch, best[(int)Fact.ReportedCostSource]), "provider"u8),
            TaskCost = span.IsRoot ? CostFact(batch, best[(int)Fact.TaskCost], ref ignored) : null,
        };
        facts.Implausible = implausible;

        int model = best[(int)Fact.Model];
        bool operatorTool = best[(int)Fact.ToolName] >= 0 && _spanKeys.IsOperatorName(Fact.ToolName, ranks[(int)Fact.ToolName]);
        bool vercelTool = best[(int)Fact.ToolName] >= 0 && ranks[(int)Fact.ToolName] == _vercelToolNameRank;
        bool genAiTool = best[(int)Fact.ToolName] >= 0 && ranks[(int)Fact.ToolName] == _genAiToolNameRank;
        facts.Role = Role(batch, best, operatorTool, vercelTool, genAiTool, hasModel: model >= 0 && StringBytes(batch, model).Length > 0, in facts.Tokens);
        if (facts.Role == SpanRole.Tool)
        {
            facts.ToolName = StringFact(batch, best[(int)Fact.ToolName]);
        }
        else if (facts.Role == SpanRole.Llm)
        {
            facts.Model = StringFact(batch, model);
            facts.Provider = ProviderFact(batch, best[(int)Fact.Provider]);
            facts.ServiceTier = ServiceTierFact(batch, best[(int)Fact.ServiceTier], ref ignored);
        }
        facts.Ignored = ignored;
        return facts;
    }

    /// <summary>Fills <paramref name="best"/> with the index of the best-ranked attribute per fact, -1 where none matched.
    /// Attributes a receiver kept with this table's keys carry their code; those of a batch that kept all are matched here.</summary>
    private static void FindBest(SpanBatch batch, int start, int count, AttributeKeyTable table, AttributeKeySet? kept, Span<int> best, Span<int> ranks)
    {
        bool coded = ReferenceEquals(kept, table.Keys);
        best.Fill(-1);
        ranks.Fill(int.MaxValue);
        ReadOnlySpan<AttributeRecord> attributes = batch.Attributes;
        for (int i = start; i < start + count; i++)
        {
            ref readonly AttributeRecord attribute = ref attributes[i];
            // An empty value is no value: the next convention in the order applies.
            if (attribute.Kind == AttributeValueKind.Empty || (attribute.Kind == AttributeValueKind.String && attribute.ValueLength == 0)) continue;
            Fact fact;
            int rank;
            if (coded ? !table.FromCode(attribute.Code, out fact, out rank) : !table.TryMatch(batch.KeyOf(attribute), out fact, out rank)) continue;
            if (rank >= ranks[(int)fact]) continue;
            ranks[(int)fact] = rank;
            best[(int)fact] = i;
        }
    }

    /// <summary>
    /// What counts as a call (docs/conventions.md): a span is an LLM or tool call when its operation or kind says so; a span
    /// that names any other operation summarizes its children and is never a call; a span naming none is an LLM call
    /// only when it carries usage and a model (older instrumentations), and a tool call when it carries an operator's
    /// tool-name attribute, or <c>gen_ai.tool.name</c> without usage (pydantic-ai 1.x's <c>running tool</c> spans).
    /// </summary>
    private static SpanRole Role(SpanBatch batch, ReadOnlySpan<int> best, bool operatorTool, bool vercelTool, bool genAiTool, bool hasModel,
        in TokenUsage tokens)
    {
        if (best[(int)Fact.Operation] is int operation and >= 0)
        {
            ReadOnlySpan<byte> op = StringBytes(batch, operation);
            if (op.SequenceEqual("execute_tool"u8)) return SpanRole.Tool;
            if (op.SequenceEqual("chat"u8) || op.SequenceEqual("text_completion"u8) ||
                op.SequenceEqual("generate_content"u8) || op.SequenceEqual("embeddings"u8)) return SpanRole.Llm;
            // Semantic Kernel's model spans predate the conventions' names for the same operations.
            if (op.SequenceEqual("chat.completions"u8) || op.SequenceEqual("text.completions"u8)) return SpanRole.Llm;
            return SpanRole.Other;
        }
        if (best[(int)Fact.OpenInferenceKind] is int kindIndex and >= 0)
        {
            ReadOnlySpan<byte> kind = StringBytes(batch, kindIndex);
            if (Ascii.EqualsIgnoreCase(kind, "TOOL"u8)) return SpanRole.Tool;
            if (Ascii.EqualsIgnoreCase(kind, "LLM"u8) || Ascii.EqualsIgnoreCase(kind, "EMBEDDING"u8)) return SpanRole.Llm;
            return SpanRole.Other;
        }
        if (best[(int)Fact.TraceloopKind] is int traceloop and >= 0)
            return Ascii.EqualsIgnoreCase(StringBytes(batch, traceloop), "tool"u8) ? SpanRole.Tool : SpanRole.Other;
        if (best[(int)Fact.VercelOperation] is int vercel and >= 0)
        {
            // ai.generateText.doGenerate, ai.streamText.doStream, ai.embed.doEmbed are the provider calls; ai.generateText
            // and the like wrap them with the summed usage.
            ReadOnlySpan<byte> id = StringBytes(batch, vercel);
            if (id.SequenceEqual("ai.toolCall"u8)) return SpanRole.Tool;
            if (id.EndsWith(".doGenerate"u8) || id.EndsWith(".doStream"u8) || id.EndsWith(".doEmbed"u8)) return SpanRole.Llm;
            return SpanRole.Other;
        }
        // The Vercel AI SDK's ai.toolCall spans, from versions without ai.operationId: only they carry ai.toolCall.name.
        if (vercelTool) return SpanRole.Tool;
        if (operatorTool) return SpanRole.Tool;
        if (!tokens.IsEmpty) return hasModel ? SpanRole.Llm : SpanRole.Other;
        // pydantic-ai 1.x names its tool spans 'running tool' and sets gen_ai.tool.name but no operation; the agent
        // frameworks' summaries that name tools carry usage, or an operation.
        return genAiTool ? SpanRole.Tool : SpanRole.Other;
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
            AttributeValueKind.String when attribute.ValueLength > 0 => _values.Get(batch.StringOf(attribute)),
            AttributeValueKind.Int => _values.Get(FormatInvariant(attribute.Int, stackalloc byte[24])),
            AttributeValueKind.Bool => attribute.Int != 0 ? "true" : "false",
            _ => null,
        };
    }

    /// <summary>
    /// The provider, lower-case (<c>OpenAI</c> and <c>openai</c> are one provider; ASCII letters only, other bytes as
    /// sent), without an API suffix (<c>openai.chat</c> → <c>openai</c>).
    /// </summary>
    private string? ProviderFact(SpanBatch batch, int index)
    {
        if (index < 0) return null;
        if (batch.Attributes[index].Kind != AttributeValueKind.String) return StringFact(batch, index);
        ReadOnlySpan<byte> value = StringBytes(batch, index);
        // Past the longest label value the rest is cut anyway (LabelValueCache); the suffix then no longer ends it.
        if (value.Length > LabelValueCache.MaxValueBytes + 16) value = value[..(LabelValueCache.MaxValueBytes + 16)];
        Span<byte> lower = stackalloc byte[value.Length];
        for (int i = 0; i < value.Length; i++) lower[i] = value[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(value[i] | 0x20) : value[i];
        if (lower.LastIndexOf((byte)'.') > 0)
        {
            foreach (byte[] suffix in ProviderApiSuffixes)
                if (lower.Length > suffix.Length && lower.EndsWith(suffix)) return _values.Get(lower[..^suffix.Length]);
        }
        return _values.Get(lower);
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

    /// <summary>
    /// Token counts: integers, integral doubles, or decimal strings. A count that is negative, not finite or above
    /// <see cref="PlausibleRange.MaxTokensPerSpan"/> marks the span implausible; a value that is not a number at all
    /// (a word, a fraction) counts as absent.
    /// </summary>
    private long TokenFact(SpanBatch batch, int index, ref bool implausible)
    {
        if (index < 0) return 0;
        ref readonly AttributeRecord attribute = ref batch.Attributes[index];
        double value;
        switch (attribute.Kind)
        {
            case AttributeValueKind.Int:
                value = attribute.Int;
                break;
            case AttributeValueKind.Double:
                value = attribute.Double;
                break;
            case AttributeValueKind.String:
                ReadOnlySpan<byte> text = batch.StringOf(attribute);
                if (Utf8Parser.TryParse(text, out long parsed, out int consumed) && consumed == text.Length) value = parsed;
                else if (Utf8Parser.TryParse(text, out double real, out consumed) && consumed == text.Length) value = real;
                else return 0;
                break;
            default:
                return 0;
        }
        if (!double.IsFinite(value) || value < 0 || value > _range.MaxTokensPerSpan)
        {
            implausible = true;
            return 0;
        }
        if (attribute.Kind == AttributeValueKind.Int) return attribute.Int;
        return Math.Floor(value) == value ? (long)value : 0;
    }

    /// <summary>
    /// Amounts: integers, doubles (through their shortest round-trip text, so 0.1 stays 0.1 exactly) or decimal strings.
    /// Negative, not finite, or above <see cref="PlausibleRange.MaxCostUsdPerSpan"/> is ignored, not the span: the next
    /// pricing rule applies, and <paramref name="ignored"/> says so.
    /// </summary>
    private decimal? CostFact(SpanBatch batch, int index, ref IgnoredFacts ignored)
    {
        if (index < 0) return null;
        ref readonly AttributeRecord attribute = ref batch.Attributes[index];
        decimal value;
        switch (attribute.Kind)
        {
            case AttributeValueKind.Int:
                value = attribute.Int;
                break;
            case AttributeValueKind.Double when double.IsFinite(attribute.Double) && Math.Abs(attribute.Double) <= (double)_range.MaxCostUsdPerSpan:
                value = ToDecimal(attribute.Double);
                break;
            case AttributeValueKind.Double:
                ignored |= IgnoredFacts.ImplausibleCost;
                return null;
            case AttributeValueKind.String:
                if (ParseDecimal(batch.StringOf(attribute), out value, out bool number)) break;
                if (number) ignored |= IgnoredFacts.ImplausibleCost; // a number beyond decimal's range; anything else is no cost at all
                return null;
            default:
                return null;
        }
        if (value < 0 || value > _range.MaxCostUsdPerSpan)
        {
            ignored |= IgnoredFacts.ImplausibleCost;
            return null;
        }
        return value;
    }

    /// <summary>
    /// The service tier: <c>default</c>, <c>auto</c>, <c>standard</c> and <c>on_demand</c> are the standard tier;
    /// <c>flex</c>, <c>priority</c> and <c>batch</c> are themselves; anything else is priced at standard and noted.
    /// </summary>
    private static ServiceTier ServiceTierFact(SpanBatch batch, int index, ref IgnoredFacts ignored)
    {
        if (index < 0) return ServiceTier.Standard;
        ReadOnlySpan<byte> value = StringBytes(batch, index);
        if (Ascii.EqualsIgnoreCase(value, "priority"u8)) return ServiceTier.Priority;
        if (Ascii.EqualsIgnoreCase(value, "flex"u8)) return ServiceTier.Flex;
        if (Ascii.EqualsIgnoreCase(value, "batch"u8)) return ServiceTier.Batch;
        if (!(Ascii.EqualsIgnoreCase(value, "default"u8) || Ascii.EqualsIgnoreCase(value, "auto"u8) ||
              Ascii.EqualsIgnoreCase(value, "standard"u8) || Ascii.EqualsIgnoreCase(value, "on_demand"u8)))
            ignored |= IgnoredFacts.UnknownServiceTier;
        return ServiceTier.Standard;
    }

    private static decimal ToDecimal(double value)
    {
        Span<char> text = stackalloc char[32];
        value.TryFormat(text, out int written, "R", CultureInfo.InvariantCulture);
        return decimal.Parse(text[..written], NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>Parses a decimal string; <paramref name="isNumber"/> tells a number too large for decimal from text that is no number.</summary>
    private static bool ParseDecimal(ReadOnlySpan<byte> utf8, out decimal value, out bool isNumber)
    {
        value = 0;
        isNumber = false;
        if (utf8.Length is 0 or > 64) return false;
        Span<char> text = stackalloc char[utf8.Length];
        for (int i = 0; i < utf8.Length; i++) text[i] = (char)utf8[i];
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return true;
        isNumber = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        return false;
    }

    private string ImplausibleMessage() => string.Create(CultureInfo.InvariantCulture,
        $"span with a token count above {_range.MaxTokensPerSpan}, or a negative or infinite one: refused, its usage cannot be priced (Cpst:Limits:MaxTokensPerSpan)");

    private string ImplausibleCostMessage() => string.Create(CultureInfo.InvariantCulture,
        $"cost attribute above {_range.MaxCostUsdPerSpan}, or negative or not finite: ignored, the span counts and its cost falls back to the price table (Cpst:Limits:MaxCostUsdPerSpan)");

    private const string UnknownServiceTierMessage =
        "service tier not one of default, auto, standard, on_demand, flex, priority, batch: the call is priced at standard";
}
