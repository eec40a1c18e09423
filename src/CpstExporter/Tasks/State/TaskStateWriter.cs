using CpstExporter.Pricing;
using System.Buffers;
using System.Text.Json;
using CpstExporter.Primitives;

using CpstExporter.Tasks;

namespace CpstExporter.Tasks.State;

/// <summary>
/// Writes the state file's JSON straight from the pending tasks, in the shape of the state records
/// (<see cref="TaskStateSnapshot"/> and the records it holds; every property name is <c>nameof</c> a record's property,
/// enums by name, so a record's field renamed is renamed here too, and one added and not written fails
/// <c>TaskStateFormatTests</c>), with a <see cref="Utf8JsonWriter"/>, a chunk at a time: the assembler writes a chunk of tasks
/// under its lock (<see cref="TaskAssembler.WriteState"/>) and hands it to the output with <see cref="Drain"/> once the
/// lock is released, so neither the whole state nor a copy of it is ever in memory. Times go out as wall-clock Unix
/// milliseconds: the assembler keeps them on the monotonic clock, and <c>toWallMs</c> turns one into the other as of
/// the save. <see cref="TaskStateReader"/> reads the file back.
/// </summary>
internal sealed class TaskStateWriter : IDisposable
{
    /// <summary>A chunk ends early at this many bytes, so that tasks with large span tables keep it small in memory.</summary>
    public const int ChunkBytes = 1 << 20;

    private static readonly JsonEncodedText VersionName = JsonEncodedText.Encode(nameof(TaskStateSnapshot.Version));
    private static readonly JsonEncodedText SavedAtMsName = JsonEncodedText.Encode(nameof(TaskStateSnapshot.SavedAtMs));
    private static readonly JsonEncodedText JournalSegmentName = JsonEncodedText.Encode(nameof(TaskStateSnapshot.JournalSegment));
    private static readonly JsonEncodedText TasksName = JsonEncodedText.Encode(nameof(TaskStateSnapshot.Tasks));
    private static readonly JsonEncodedText HeldOutcomesName = JsonEncodedText.Encode(nameof(TaskStateSnapshot.HeldOutcomes));
    private static readonly JsonEncodedText SectionsName = JsonEncodedText.Encode(nameof(TaskStateSnapshot.Sections));

    private static readonly JsonEncodedText TraceIdName = JsonEncodedText.Encode(nameof(PendingTaskState.TraceId));
    private static readonly JsonEncodedText FirstSeenMsName = JsonEncodedText.Encode(nameof(PendingTaskState.FirstSeenMs));
    private static readonly JsonEncodedText LastActivityMsName = JsonEncodedText.Encode(nameof(PendingTaskState.LastActivityMs));
    private static readonly JsonEncodedText UseCaseName = JsonEncodedText.Encode(nameof(PendingTaskState.UseCase));
    private static readonly JsonEncodedText UseCaseRankName = JsonEncodedText.Encode(nameof(PendingTaskState.UseCaseRank));
    private static readonly JsonEncodedText EnvironmentName = JsonEncodedText.Encode(nameof(PendingTaskState.Environment));
    private static readonly JsonEncodedText EnvironmentFromRootName = JsonEncodedText.Encode(nameof(PendingTaskState.EnvironmentFromRoot));
    private static readonly JsonEncodedText VariantName = JsonEncodedText.Encode(nameof(PendingTaskState.Variant));
    private static readonly JsonEncodedText VariantFromRootName = JsonEncodedText.Encode(nameof(PendingTaskState.VariantFromRoot));
    private static readonly JsonEncodedText OutcomeName = JsonEncodedText.Encode(nameof(PendingTaskState.Outcome));
    private static readonly JsonEncodedText OutcomeSourceName = JsonEncodedText.Encode(nameof(PendingTaskState.OutcomeSource));
    private static readonly JsonEncodedText OutcomeSpanEndName = JsonEncodedText.Encode(nameof(PendingTaskState.OutcomeSpanEnd));
    private static readonly JsonEncodedText RootErrorName = JsonEncodedText.Encode(nameof(PendingTaskState.RootError));
    private static readonly JsonEncodedText SpanCostUsdName = JsonEncodedText.Encode(nameof(PendingTaskState.SpanCostUsd));
    private static readonly JsonEncodedText TaskCostUsdName = JsonEncodedText.Encode(nameof(PendingTaskState.TaskCostUsd));
    private static readonly JsonEncodedText LlmCallsName = JsonEncodedText.Encode(nameof(PendingTaskState.LlmCalls));
    private static readonly JsonEncodedText ToolCallsName = JsonEncodedText.Encode(nameof(PendingTaskState.ToolCalls));
    private static readonly JsonEncodedText InputTokensName = JsonEncodedText.Encode(nameof(PendingTaskState.InputTokens));
    private static readonly JsonEncodedText OutputTokensName = JsonEncodedText.Encode(nameof(PendingTaskState.OutputTokens));
    private static readonly JsonEncodedText ModelsName = JsonEncodedText.Encode(nameof(PendingTaskState.Models));
    private static readonly JsonEncodedText ModelName = JsonEncodedText.Encode(nameof(ModelShareState.Model));
    private static readonly JsonEncodedText CostUsdName = JsonEncodedText.Encode(nameof(ModelShareState.CostUsd));
    private static readonly JsonEncodedText CallsName = JsonEncodedText.Encode(nameof(ModelShareState.Calls));
    private static readonly JsonEncodedText UseCaseFinalName = JsonEncodedText.Encode(nameof(PendingTaskState.UseCaseFinal));
    private static readonly JsonEncodedText CallsCountedName = JsonEncodedText.Encode(nameof(PendingTaskState.CallsCounted));
    private static readonly JsonEncodedText SpansName = JsonEncodedText.Encode(nameof(PendingTaskState.Spans));
    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode(nameof(SpanState.Id));
    private static readonly JsonEncodedText ParentName = JsonEncodedText.Encode(nameof(SpanState.Parent));
    private static readonly JsonEncodedText MarksName = JsonEncodedText.Encode(nameof(SpanState.Marks));
    private static readonly JsonEncodedText HeldCallsName = JsonEncodedText.Encode(nameof(PendingTaskState.HeldCalls));
    private static readonly JsonEncodedText ApiOutcomeName = JsonEncodedText.Encode(nameof(PendingTaskState.ApiOutcome));
    private static readonly JsonEncodedText ApiSourceName = JsonEncodedText.Encode(nameof(PendingTaskState.ApiSource));
    private static readonly JsonEncodedText ApiReasonName = JsonEncodedText.Encode(nameof(PendingTaskState.ApiReason));
    private static readonly JsonEncodedText EvaluationsName = JsonEncodedText.Encode(nameof(PendingTaskState.Evaluations));
    private static readonly JsonEncodedText EvaluationNameName = JsonEncodedText.Encode(nameof(EvaluationState.Name));
    private static readonly JsonEncodedText LabelPassesName = JsonEncodedText.Encode(nameof(EvaluationState.LabelPasses));
    private static readonly JsonEncodedText ScoreName = JsonEncodedText.Encode(nameof(EvaluationState.Score));
    private static readonly JsonEncodedText HeldApiSourceName = JsonEncodedText.Encode(nameof(HeldOutcomeState.ApiSource));
    private static readonly JsonEncodedText HeldApiReasonName = JsonEncodedText.Encode(nameof(HeldOutcomeState.ApiReason));
    private static readonly JsonEncodedText HeldEvaluationsName = JsonEncodedText.Encode(nameof(HeldOutcomeState.Evaluations));
    private static readonly JsonEncodedText HeldSpansName = JsonEncodedText.Encode(nameof(PendingTaskState.HeldSpans));
    private static readonly JsonEncodedText GroupName = JsonEncodedText.Encode(nameof(HeldSpanState.Group));
    private static readonly JsonEncodedText FirstName = JsonEncodedText.Encode(nameof(HeldCallState.First));
    private static readonly JsonEncodedText RoleName = JsonEncodedText.Encode(nameof(HeldCallState.Role));
    private static readonly JsonEncodedText ProviderName = JsonEncodedText.Encode(nameof(HeldCallState.Provider));
    private static readonly JsonEncodedText ToolName = JsonEncodedText.Encode(nameof(HeldCallState.Tool));
    private static readonly JsonEncodedText CacheReadTokensName = JsonEncodedText.Encode(nameof(HeldCallState.CacheReadTokens));
    private static readonly JsonEncodedText CacheWriteTokensName = JsonEncodedText.Encode(nameof(HeldCallState.CacheWriteTokens));
    private static readonly JsonEncodedText ReasoningTokensName = JsonEncodedText.Encode(nameof(HeldCallState.ReasoningTokens));
    private static readonly JsonEncodedText UnpricedName = JsonEncodedText.Encode(nameof(HeldCallState.Unpriced));
    private static readonly JsonEncodedText BasisName = JsonEncodedText.Encode(nameof(ModelShareState.Basis));
    private static readonly JsonEncodedText ServiceTierName = JsonEncodedText.Encode(nameof(HeldCallState.ServiceTier));
    private static readonly JsonEncodedText ServiceTierUnpricedName = JsonEncodedText.Encode(nameof(HeldCallState.ServiceTierUnpriced));
    private static readonly JsonEncodedText EndDayName = JsonEncodedText.Encode(nameof(HeldCallState.EndDay));
    private static readonly JsonEncodedText ServiceTiersName = JsonEncodedText.Encode(nameof(ModelShareState.ServiceTiers));
    private static readonly JsonEncodedText ExpiresMsName = JsonEncodedText.Encode(nameof(HeldOutcomeState.ExpiresMs));
    private static readonly JsonEncodedText BreakdownName = JsonEncodedText.Encode(nameof(PendingTaskState.Breakdown));
    private static readonly JsonEncodedText StartUnixNanoName = JsonEncodedText.Encode(nameof(BreakdownState.StartUnixNano));
    private static readonly JsonEncodedText EndUnixNanoName = JsonEncodedText.Encode(nameof(BreakdownState.EndUnixNano));
    private static readonly JsonEncodedText ToolCostUsdName = JsonEncodedText.Encode(nameof(BreakdownState.ToolCostUsd));
    private static readonly JsonEncodedText OtherToolsName = JsonEncodedText.Encode(nameof(BreakdownState.OtherTools));

    // Spelled as JsonStringEnumConverter spells them.
    private static readonly JsonEncodedText[] Outcomes = Names<Outcome>();
    private static readonly JsonEncodedText[] OutcomeSources = Names<OutcomeSource>();
    private static readonly JsonEncodedText[] Roles = Names<SpanRole>();
    private static readonly JsonEncodedText[] Bases = Names<PricingBasis>();
    private static readonly JsonEncodedText[] ServiceTiers = Names<ServiceTier>();
    private static readonly PricingBasis[] AllBases = Enum.GetValues<PricingBasis>();
    private static readonly ServiceTier[] AllServiceTiers = Enum.GetValues<ServiceTier>();

    private static JsonEncodedText[] Names<T>() where T : struct, Enum
    {
        var names = new JsonEncodedText[byte.MaxValue + 1];
        foreach (T value in Enum.GetValues<T>()) names[Convert.ToByte(value, System.Globalization.CultureInfo.InvariantCulture)] = JsonEncodedText.Encode(value.ToString());
        return names;
    }

    private readonly ArrayBufferWriter<byte> _buffer = new(ChunkBytes);
    private readonly Utf8JsonWriter _json;
    private readonly Stream _output;
    private readonly long _toWallMs;

    /// <param name="toWallMs">What to add to a time of the assembler's monotonic clock to make it wall-clock Unix milliseconds.</param>
    public TaskStateWriter(Stream output, long toWallMs)
    {
        _output = output;
        _toWallMs = toWallMs;
        _json = new Utf8JsonWriter(_buffer);
    }

    /// <summary>Whether the chunk being written has reached <see cref="ChunkBytes"/>: time to <see cref="Drain"/> it.</summary>
    public bool ChunkFull => _json.BytesPending + _buffer.WrittenCount >= ChunkBytes;

    /// <summary>
    /// Opens the file's object (its version, when it was saved, the journal segment it began with), writes the held
    /// outcomes, a chunk at a time, and opens the list of tasks. Outside the task lock: the held outcomes are a copy.
    /// </summary>
    public void WriteStart(long savedAtMs, long? journalSegment, IEnumerable<(TraceId TraceId, HeldVerdicts Held, long ExpiresMs)> heldOutcomes)
    {
        _json.WriteStartObject();
        _json.WriteNumber(VersionName, TaskStateSnapshot.CurrentVersion);
        _json.WriteNumber(SavedAtMsName, savedAtMs);
        if (journalSegment is long segment) _json.WriteNumber(JournalSegmentName, segment);
        _json.WriteStartArray(HeldOutcomesName);
        foreach (var (traceId, held, expiresMs) in heldOutcomes)
        {
            _json.WriteStartObject();
            WriteTraceId(_json, traceId);
            _json.WriteString(OutcomeName, Outcomes[(byte)(held.Api?.Outcome ?? Outcome.Unknown)]);
            _json.WriteNumber(ExpiresMsName, expiresMs + _toWallMs);
            WriteStringOrNull(_json, HeldApiSourceName, held.Api?.Source);
            WriteStringOrNull(_json, HeldApiReasonName, held.Api?.Reason);
            WriteEvaluations(_json, HeldEvaluationsName, held.Evaluations);
            _json.WriteEndObject();
            if (ChunkFull) Drain();
        }
        _json.WriteEndArray();
        _json.WriteStartArray(TasksName);
    }

    /// <summary>Writes one pending task into the chunk; under the task lock, which keeps the task still.</summary>
    public void WriteTask(PendingTask task) => WriteTask(_json, task, _toWallMs);

    /// <summary>
    /// Closes the list of tasks, writes the sections of later stages (taken as the walk ended), closes the file's object,
    /// and hands the rest to the output.
    /// </summary>
    public void WriteEnd(IReadOnlyList<(string Name, IStateSectionContent Content)> sections)
    {
        _json.WriteEndArray();
        _json.WriteStartObject(SectionsName);
        foreach (var (name, content) in sections)
        {
            _json.WritePropertyName(name);
            content.Write(_json);
            if (ChunkFull) Drain();
        }
        _json.WriteEndObject();
        _json.WriteEndObject();
        Drain();
    }

    /// <summary>Hands what the chunk holds to the output; outside the task lock.</summary>
    public void Drain()
    {
        _json.Flush();
        _output.Write(_buffer.WrittenSpan);
        _buffer.ResetWrittenCount();
    }

    public void Dispose() => _json.Dispose();

    /// <summary>Writes one pending task as a <see cref="PendingTaskState"/>; <paramref name="toWallMs"/> turns its monotonic times into wall-clock ones.</summary>
    private static void WriteTask(Utf8JsonWriter json, PendingTask t, long toWallMs)
    {
        json.WriteStartObject();
        WriteTraceId(json, t.TraceId);
        json.WriteNumber(FirstSeenMsName, t.FirstSeenMs + toWallMs);
        json.WriteNumber(LastActivityMsName, t.LastActivityMs + toWallMs);
        WriteStringOrNull(json, UseCaseName, t.UseCase);
        json.WriteNumber(UseCaseRankName, t.UseCaseRank);
        WriteStringOrNull(json, EnvironmentName, t.Environment);
        json.WriteBoolean(EnvironmentFromRootName, t.EnvironmentFromRoot);
        WriteStringOrNull(json, VariantName, t.Variant);
        json.WriteBoolean(VariantFromRootName, t.VariantFromRoot);
        json.WriteString(OutcomeName, Outcomes[(byte)t.Outcome]);
        json.WriteString(OutcomeSourceName, OutcomeSources[(byte)t.OutcomeSource]);
        json.WriteNumber(OutcomeSpanEndName, t.OutcomeSpanEnd);
        json.WriteBoolean(RootErrorName, t.RootError);
        json.WriteNumber(SpanCostUsdName, t.SpanCostUsd);
        if (t.TaskCostUsd is decimal taskCost) json.WriteNumber(TaskCostUsdName, taskCost);
        else json.WriteNull(TaskCostUsdName);
        json.WriteNumber(LlmCallsName, t.LlmCalls);
        json.WriteNumber(ToolCallsName, t.ToolCalls);
        json.WriteNumber(InputTokensName, t.InputTokens);
        json.WriteNumber(OutputTokensName, t.OutputTokens);

        json.WriteStartArray(ModelsName);
        if (t.Model is not null) WriteModel(json, t.Model, t.ModelCostUsd, t.ModelCalls(), t.ModelPricing());
        if (t.OtherModels is not null)
            foreach (CallShare model in t.OtherModels) WriteModel(json, model.Name, model.CostUsd, model.Calls, model.Pricing, model.InputTokens, model.OutputTokens);
        json.WriteEndArray();

        json.WriteBoolean(UseCaseFinalName, t.UseCaseFinal);
        json.WriteBoolean(CallsCountedName, t.CallsCounted);

        json.WriteStartArray(SpansName);
        ReadOnlySpan<SpanTable.Entry> entries = t.Spans.All;
        foreach (ref readonly SpanTable.Entry e in entries)
        {
            json.WriteStartObject();
            json.WriteNumber(IdName, e.SpanId);
            json.WriteNumber(ParentName, e.Parent < 0 ? 0 : entries[e.Parent].SpanId);
            json.WriteNumber(MarksName, (byte)e.Marks);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        if (t.Held is { } held)
        {
            json.WriteStartArray(HeldCallsName);
            foreach (ref readonly HeldGroup group in held.Groups) WriteHeldGroup(json, in group);
            json.WriteEndArray();
            json.WriteStartArray(HeldSpansName);
            foreach (HeldMember member in held.Members)
            {
                json.WriteStartObject();
                json.WriteNumber(IdName, member.SpanId);
                json.WriteNumber(GroupName, member.Group);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        else json.WriteNull(HeldCallsName);
        WriteBreakdown(json, t);
        json.WriteString(ApiOutcomeName, Outcomes[(byte)(t.Api?.Outcome ?? Outcome.Unknown)]);
        WriteStringOrNull(json, ApiSourceName, t.Api?.Source);
        WriteStringOrNull(json, ApiReasonName, t.Api?.Reason);
        WriteEvaluations(json, EvaluationsName, t.Evaluations);
        json.WriteEndObject();
    }

    private static void WriteEvaluations(Utf8JsonWriter json, JsonEncodedText name, List<EvaluationVerdict>? evaluations)
    {
        if (evaluations is not { Count: > 0 })
        {
            json.WriteNull(name);
            return;
        }
        json.WriteStartArray(name);
        foreach (EvaluationVerdict evaluation in evaluations)
        {
            json.WriteStartObject();
            json.WriteString(EvaluationNameName, evaluation.Name);
            json.WriteBoolean(LabelPassesName, evaluation.LabelPasses);
            if (evaluation.Score is double score) json.WriteNumber(ScoreName, score);
            else json.WriteNull(ScoreName);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteTraceId(Utf8JsonWriter json, TraceId traceId)
    {
        Span<byte> hex = stackalloc byte[32];
        traceId.TryFormat(hex, out _);
        json.WriteString(TraceIdName, hex);
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, JsonEncodedText name, string? value)
    {
        if (value is null) json.WriteNull(name);
        else json.WriteString(name, value);
    }

    private static void WriteModel(Utf8JsonWriter json, string model, decimal cost, int calls, in PricingMix pricing, long inputTokens = 0, long outputTokens = 0)
    {
        json.WriteStartObject();
        json.WriteString(ModelName, model);
        json.WriteNumber(CostUsdName, cost);
        json.WriteNumber(CallsName, calls);
        if (inputTokens != 0) json.WriteNumber(InputTokensName, inputTokens);
        if (outputTokens != 0) json.WriteNumber(OutputTokensName, outputTokens);
        if (!pricing.IsEmpty)
        {
            // Calls per basis and per served tier, under the names the task API shows them by.
            json.WriteStartObject(BasisName);
            foreach (PricingBasis basis in AllBases)
                if (pricing.Calls(basis) != 0) json.WriteNumber(basis.LabelValue(), pricing.Calls(basis));
            json.WriteEndObject();
            json.WriteStartObject(ServiceTiersName);
            foreach (ServiceTier tier in AllServiceTiers)
                if (pricing.Calls(tier) != 0) json.WriteNumber(tier.LabelValue(), pricing.Calls(tier));
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    /// <summary>The task API's view of the task, when it has anything to say (<see cref="BreakdownState"/>).</summary>
    private static void WriteBreakdown(Utf8JsonWriter json, PendingTask t)
    {
        if (t.StartUnixNano == 0 && t.EndUnixNano == 0 && t.Tool is null && t.CacheReadTokens == 0 && t.CacheWriteTokens == 0 && t.ReasoningTokens == 0)
            return;
        json.WriteStartObject(BreakdownName);
        json.WriteNumber(StartUnixNanoName, t.StartUnixNano);
        json.WriteNumber(EndUnixNanoName, t.EndUnixNano);
        json.WriteNumber(CacheReadTokensName, t.CacheReadTokens);
        json.WriteNumber(CacheWriteTokensName, t.CacheWriteTokens);
        json.WriteNumber(ReasoningTokensName, t.ReasoningTokens);
        json.WriteNumber(ToolCostUsdName, t.ToolCostUsd);
        WriteStringOrNull(json, ToolName, t.Tool);
        if (t.OtherTools is { } tools)
        {
            json.WriteStartArray(OtherToolsName);
            foreach (CallShare tool in tools)
            {
                json.WriteStartObject();
                json.WriteString(ToolName, tool.Name);
                json.WriteNumber(CostUsdName, tool.CostUsd);
                json.WriteNumber(CallsName, tool.Calls);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void WriteHeldGroup(Utf8JsonWriter json, in HeldGroup h)
    {
        json.WriteStartObject();
        json.WriteString(RoleName, Roles[(byte)h.Call.Role]);
        WriteStringOrNull(json, ProviderName, h.Call.Provider);
        WriteStringOrNull(json, ModelName, h.Call.Model);
        WriteStringOrNull(json, ToolName, h.Call.Tool);
        json.WriteNumber(InputTokensName, h.Call.Tokens.Input);
        json.WriteNumber(OutputTokensName, h.Call.Tokens.Output);
        json.WriteNumber(CacheReadTokensName, h.Call.Tokens.CacheRead);
        json.WriteNumber(CacheWriteTokensName, h.Call.Tokens.CacheWrite);
        json.WriteNumber(ReasoningTokensName, h.Call.Tokens.Reasoning);
        json.WriteNumber(CostUsdName, h.Call.CostUsd);
        json.WriteBoolean(UnpricedName, h.Call.Unpriced);
        json.WriteString(BasisName, Bases[(byte)h.Call.Basis]);
        json.WriteString(ServiceTierName, ServiceTiers[(byte)h.Call.ServiceTier]);
        json.WriteBoolean(ServiceTierUnpricedName, h.Call.ServiceTierUnpriced);
        if (h.Call.EndDay != default)
        {
            // As the serializer writes a DateOnly, which reads it back.
            Span<byte> day = stackalloc byte[10];
            h.Call.EndDay.TryFormat(day, out _, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            json.WriteString(EndDayName, day);
        }
        if (h.Summed)
        {
            json.WriteNumber(CallsName, h.Calls);
            json.WriteNumber(FirstName, h.First);
        }
        json.WriteEndObject();
    }
}
