using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using CpstExporter.Primitives;

using CpstExporter.Tasks;

namespace CpstExporter.Tasks.State;

/// <summary>
/// The state file's JSON read back, one entry at a time: a start reads the file through a buffer that holds a few
/// entries, so it never makes a copy of the whole state, and makes pending tasks of the entries (<see cref="TryMake"/>).
/// The format is defined by the state records (<see cref="TaskStateSnapshot"/> and the records it holds): every property
/// name read here is <c>nameof</c> a record's property, as <see cref="TaskStateWriter"/> writes it, and enums are spelled
/// by name, so the file also reads as one with <see cref="JsonSerializer"/>. A field added to a record and not read here
/// fails <c>TaskStateFormatTests</c>.
/// </summary>
internal static class TaskStateReader
{
    public static readonly JsonSerializerOptions Options = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Nesting deeper than this is not a state file, which nests four deep.</summary>
    private const int MaxDepth = 16;

    /// <summary>Most bytes one entry may take: a task with as many span ids as a task keeps takes about 50 MB.</summary>
    private const int MaxEntryBytes = 256 << 20;

    /// <summary>Everything pending in <paramref name="assembler"/>, as the state file holds it (written the same way): for tests and tools.</summary>
    public static TaskStateSnapshot Snapshot(this TaskAssembler assembler)
    {
        using var memory = new MemoryStream();
        assembler.WriteState(memory);
        return JsonSerializer.Deserialize<TaskStateSnapshot>(memory.GetBuffer().AsSpan(0, (int)memory.Length), Options)!;
    }

    /// <summary>
    /// Gives <paramref name="assembler"/> back the tasks and held outcomes of a snapshot already in memory (tests and tools),
    /// as a start does with the state file (<see cref="TaskAssembler.Restore(LoadedState, IReadOnlySet{TraceId})"/>).
    /// </summary>
    public static void Restore(this TaskAssembler assembler, TaskStateSnapshot snapshot)
    {
        var (nowMs, wallNowMs) = assembler.Clock();
        assembler.Restore(FromSnapshot(snapshot, nowMs, wallNowMs), new HashSet<TraceId>());
    }

    /// <summary>
    /// Reads a state file of any version from <paramref name="stream"/>, an entry at a time, and makes its tasks with
    /// times on the assembler's clock (<paramref name="nowMs"/>, with the wall clock <paramref name="wallNowMs"/>).
    /// </summary>
    /// <exception cref="JsonException">The content is not a state file; the message says where.</exception>
    public static LoadedState Read(Stream stream, long nowMs, long wallNowMs)
    {
        var reading = new Reading(nowMs, wallNowMs);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            int length = 0;
            bool final = false, first = true;
            var state = new JsonReaderState(new JsonReaderOptions { MaxDepth = MaxDepth });
            while (true)
            {
                while (!final && length < buffer.Length)
                {
                    int read = stream.Read(buffer, length, buffer.Length - length);
                    if (read == 0) final = true;
                    length += read;
                }
                if (first && buffer.AsSpan(0, length).StartsWith("\uFEFF"u8))
                {
                    // A byte order mark, as an editor may leave: not JSON, and meaningless in UTF-8.
                    buffer.AsSpan(3, length - 3).CopyTo(buffer);
                    length -= 3;
                }
                first = false;
                var reader = new Utf8JsonReader(buffer.AsSpan(0, length), final, state);
                bool done = reading.Advance(ref reader);
                if (done) break;
                if (final) throw new JsonException("the file ends before the state does");
                int consumed = (int)reader.BytesConsumed;
                state = reader.CurrentState;
                buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
                length -= consumed;
                if (length == buffer.Length)
                {
                    // One entry is larger than the buffer: it grows to hold it, up to a bound.
                    if (buffer.Length >= MaxEntryBytes) throw new JsonException($"an entry is larger than {MaxEntryBytes >> 20} MB");
                    byte[] larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return reading.End();
    }

    /// <summary>Reads a whole snapshot that is already in memory (tests and tools), as a file of it would be read.</summary>
    public static LoadedState FromSnapshot(TaskStateSnapshot snapshot, long nowMs, long wallNowMs)
    {
        var reading = new Reading(nowMs, wallNowMs) { Version = snapshot.Version, SavedAtMs = snapshot.SavedAtMs, SawTasks = true, SawHeld = true };
        reading.Loaded.JournalSegment = snapshot.JournalSegment;
        reading.Loaded.Sections = snapshot.Sections;
        foreach (PendingTaskState? task in snapshot.Tasks ?? []) reading.Add(task);
        foreach (HeldOutcomeState? held in snapshot.HeldOutcomes ?? []) reading.Add(held);
        return reading.End();
    }

    private enum Part { Start, Properties, Tasks, HeldOutcomes, End }

    /// <summary>Where the reading is, kept between buffers, and what it has made so far.</summary>
    private sealed class Reading(long nowMs, long wallNowMs)
    {
        private Part _part = Part.Start;
        /// <summary>Entries met before the version and the save time were known; converted at the end.</summary>
        private List<PendingTaskState>? _early;

        public LoadedState Loaded { get; } = new();
        public int? Version { get; set; }
        public long? SavedAtMs { get; set; }
        public bool SawTasks { get; set; }
        public bool SawHeld { get; set; }

        /// <summary>Whether entries can be converted as they come: the version and, from version 3, the save time are known.</summary>
        private bool Ready => Version is int v && (v < 3 || SavedAtMs is not null);

        private WallToMonotonic Time => new(nowMs, wallNowMs, Version >= 3 ? SavedAtMs : null);

        /// <summary>Reads as far as the buffer goes; true at the end of the state's object. Leaves the reader before anything incomplete.</summary>
        public bool Advance(ref Utf8JsonReader reader)
        {
            while (true)
            {
                Utf8JsonReader before = reader;
                if (!reader.Read()) return false;
                switch (_part)
                {
                    case Part.Start:
                        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("the file is not a JSON object");
                        _part = Part.Properties;
                        break;

                    case Part.Properties when reader.TokenType == JsonTokenType.EndObject:
                        _part = Part.End;
                        return true;

                    case Part.Properties:
                        if (!ReadProperty(ref reader))
                        {
                            reader = before;
                            return false;
                        }
                        break;

                    case Part.Tasks or Part.HeldOutcomes when reader.TokenType == JsonTokenType.EndArray:
                        _part = Part.Properties;
                        break;

                    case Part.Tasks or Part.HeldOutcomes:
                        if (!ReadEntry(ref reader))
                        {
                            reader = before;
                            return false;
                        }
                        break;
                }
            }
        }

        /// <summary>One entry of a list, its first token read; false when it is not all in the buffer.</summary>
        private bool ReadEntry(ref Utf8JsonReader reader)
        {
            if (_part == Part.Tasks)
            {
                if (!TryReadTask(ref reader, out PendingTaskState? task)) return false;
                Add(task);
                return true;
            }
            if (!TryDeserialize(ref reader, out HeldOutcomeState? held)) return false;
            Add(held);
            return true;
        }

        /// <summary>One property of the state's object, its name read; false when its value is not all in the buffer.</summary>
        private bool ReadProperty(ref Utf8JsonReader reader)
        {
            Span<char> buffer = stackalloc char[24];
            ReadOnlySpan<char> name = Name(in reader, buffer);
            if (!reader.Read()) return false;
            switch (name)
            {
                case nameof(TaskStateSnapshot.Tasks):
                case nameof(TaskStateSnapshot.HeldOutcomes):
                    bool tasks = name.SequenceEqual(nameof(TaskStateSnapshot.Tasks));
                    if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException($"'{name}' is not a list");
                    _part = tasks ? Part.Tasks : Part.HeldOutcomes;
                    if (tasks) SawTasks = true;
                    else SawHeld = true;
                    return true;
                case nameof(TaskStateSnapshot.Version):
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int version)) throw new JsonException($"'{name}' is not a whole number");
                    if (version is < TaskStateSnapshot.OldestReadableVersion or > TaskStateSnapshot.CurrentVersion) throw new JsonException($"unknown version {version}");
                    Version = version;
                    return true;
                case nameof(TaskStateSnapshot.Sections):
                    if (!TryDeserialize(ref reader, out Dictionary<string, JsonElement>? sections)) return false;
                    Loaded.Sections = sections;
                    return true;
                case nameof(TaskStateSnapshot.SavedAtMs):
                case nameof(TaskStateSnapshot.JournalSegment):
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value)) throw new JsonException($"'{name}' is not a whole number");
                    if (name.SequenceEqual(nameof(TaskStateSnapshot.SavedAtMs))) SavedAtMs = value;
                    else Loaded.JournalSegment = value;
                    return true;
                default:
                    return reader.TrySkip(); // something a later version added: skipped whole
            }
        }

        public void Add(PendingTaskState? state)
        {
            if (state is null) return;
            if (!Ready)
            {
                (_early ??= []).Add(state);
                return;
            }
            if (TryMake(Version == 1 ? FromVersion1(state) : state, Time, Version ?? TaskStateSnapshot.CurrentVersion) is PendingTask task) Loaded.Tasks.Add(task);
            else Loaded.Skipped++;
        }

        public void Add(HeldOutcomeState? held)
        {
            if (held is null) return;
            if (held.TraceId is not null && TraceId.TryParseHex(held.TraceId, out TraceId id) && !id.IsEmpty && System.Enum.IsDefined(held.Outcome))
                // Converted at the end: a held outcome's time needs the version too, and held outcomes are few.
                _held.Add((id, Verdicts(held), held.ExpiresMs));
            else Loaded.Skipped++;
        }

        private readonly List<(TraceId, HeldVerdicts, long)> _held = [];

        public LoadedState End()
        {
            if (Version is not int version) throw new JsonException("'Version' is missing");
            if (!SawTasks || !SawHeld) throw new JsonException("'Tasks' or 'HeldOutcomes' is missing");
            Loaded.Version = version;
            List<PendingTaskState>? early = _early;
            _early = null;
            foreach (PendingTaskState state in early ?? [])
            {
                if (TryMake(version == 1 ? FromVersion1(state) : state, Time, version) is PendingTask task) Loaded.Tasks.Add(task);
                else Loaded.Skipped++;
            }
            WallToMonotonic time = Time;
            foreach (var (id, outcome, expires) in _held) Loaded.HeldOutcomes.Add((id, outcome, time.Any(expires)));
            return Loaded;
        }
    }

    /// <summary>
    /// Deserializes the value at the reader, whole, or returns false when it is not all in the buffer. The serializer takes
    /// a value whole or throws, so a value cut by the end of the buffer is told from a bad one only when it throws.
    /// </summary>
    private static bool TryDeserialize<T>(ref Utf8JsonReader reader, out T? value)
    {
        Utf8JsonReader start = reader;
        try
        {
            value = JsonSerializer.Deserialize<T>(ref reader, Options);
            return true;
        }
        catch (JsonException) when (!start.IsFinalBlock && !start.TrySkip())
        {
            value = default;
            return false;
        }
    }

    // Tasks are read by hand, not with the serializer: a task is read once, without the serializer's scan ahead to find
    // its end and its constructor-parameter machinery, which made reading a million tasks twice as slow as writing them.
    // The rules are the serializer's: the records' property names, a value of the wrong kind is an error,
    // unknown properties are skipped, enums by name (any case) or number.

    /// <summary>One task, its first token read (an object, or null); false when it is not all in the buffer.</summary>
    /// <exception cref="JsonException">It is not a task.</exception>
    internal static bool TryReadTask(ref Utf8JsonReader reader, out PendingTaskState? task)
    {
        task = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"a task is {reader.TokenType}, not an object");
        string? traceId = null, useCase = null, environment = null, variant = null;
        long firstSeen = 0, lastActivity = 0, inputTokens = 0, outputTokens = 0;
        int useCaseRank = 0, llmCalls = 0, toolCalls = 0;
        bool environmentFromRoot = false, variantFromRoot = false, rootError = false, useCaseFinal = false, callsCounted = false;
        Outcome outcome = default;
        OutcomeSource outcomeSource = default;
        ulong outcomeSpanEnd = 0;
        decimal spanCost = 0;
        decimal? taskCost = null;
        List<ModelShareState>? models = null;
        List<SpanState>? spans = null;
        List<HeldCallState>? heldCalls = null;
        List<HeldSpanState>? heldSpans = null;
        BreakdownState? breakdown = null;
        Outcome apiOutcome = Outcome.Unknown;
        string? apiSource = null, apiReason = null;
        List<EvaluationState>? evaluations = null;
        Span<char> name = stackalloc char[24];
        while (true)
        {
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.EndObject) break;
            ReadOnlySpan<char> property = Name(in reader, name);
            if (!reader.Read()) return false;
            switch (property)
            {
                case nameof(PendingTaskState.TraceId): traceId = StringOrNull(ref reader); break;
                case nameof(PendingTaskState.FirstSeenMs): firstSeen = Int64(ref reader); break;
                case nameof(PendingTaskState.LastActivityMs): lastActivity = Int64(ref reader); break;
                case nameof(PendingTaskState.UseCase): useCase = StringOrNull(ref reader); break;
                case nameof(PendingTaskState.UseCaseRank): useCaseRank = Int32(ref reader); break;
                case nameof(PendingTaskState.Environment): environment = StringOrNull(ref reader); break;
                case nameof(PendingTaskState.EnvironmentFromRoot): environmentFromRoot = Boolean(ref reader); break;
                case nameof(PendingTaskState.Variant): variant = StringOrNull(ref reader); break;
                case nameof(PendingTaskState.VariantFromRoot): variantFromRoot = Boolean(ref reader); break;
                case nameof(PendingTaskState.Outcome): outcome = ReadEnum<Outcome>(ref reader); break;
                case nameof(PendingTaskState.OutcomeSource): outcomeSource = ReadEnum<OutcomeSource>(ref reader); break;
                case nameof(PendingTaskState.OutcomeSpanEnd): outcomeSpanEnd = UInt64(ref reader); break;
                case nameof(PendingTaskState.RootError): rootError = Boolean(ref reader); break;
                case nameof(PendingTaskState.SpanCostUsd): spanCost = Decimal(ref reader); break;
                case nameof(PendingTaskState.TaskCostUsd): taskCost = reader.TokenType == JsonTokenType.Null ? null : Decimal(ref reader); break;
                case nameof(PendingTaskState.LlmCalls): llmCalls = Int32(ref reader); break;
                case nameof(PendingTaskState.ToolCalls): toolCalls = Int32(ref reader); break;
                case nameof(PendingTaskState.InputTokens): inputTokens = Int64(ref reader); break;
                case nameof(PendingTaskState.OutputTokens): outputTokens = Int64(ref reader); break;
                case nameof(PendingTaskState.UseCaseFinal): useCaseFinal = Boolean(ref reader); break;
                case nameof(PendingTaskState.CallsCounted): callsCounted = Boolean(ref reader); break;
                case nameof(PendingTaskState.Models):
                    if (!TryReadList(ref reader, TryReadModel, out models)) return false;
                    break;
                case nameof(PendingTaskState.Spans):
                    if (!TryReadList(ref reader, TryReadSpan, out spans)) return false;
                    break;
                case nameof(PendingTaskState.HeldCalls):
                    if (!TryReadList(ref reader, TryDeserialize, out heldCalls)) return false;
                    break;
                case nameof(PendingTaskState.HeldSpans):
                    if (!TryReadList(ref reader, TryReadHeldSpan, out heldSpans)) return false;
                    break;
                case nameof(PendingTaskState.Breakdown):
                    if (!TryDeserialize(ref reader, out breakdown)) return false;
                    break;
                case nameof(PendingTaskState.ApiOutcome): apiOutcome = ReadEnum<Outcome>(ref reader); break;
                case nameof(PendingTaskState.ApiSource): apiSource = StringOrNull(ref reader); break;
                case nameof(PendingTaskState.ApiReason): apiReason = StringOrNull(ref reader); break;
                case nameof(PendingTaskState.Evaluations):
                    if (!TryReadList(ref reader, TryDeserialize, out evaluations)) return false;
                    break;
                default:
                    if (!reader.TrySkip()) return false; // a property a later version added
                    break;
            }
        }
        task = new PendingTaskState(traceId!, firstSeen, lastActivity, useCase, useCaseRank, environment, environmentFromRoot, variant,
            variantFromRoot, outcome, outcomeSource, outcomeSpanEnd, rootError, spanCost, taskCost, llmCalls, toolCalls, inputTokens,
            outputTokens, models, useCaseFinal, callsCounted, spans, heldCalls, breakdown, heldSpans, apiOutcome, apiSource, apiReason,
            evaluations);
        return true;
    }

    private delegate bool TryRead<T>(ref Utf8JsonReader reader, out T? item);

    /// <summary>A list (or null) whose entries are objects or nulls; false when it is not all in the buffer.</summary>
    private static bool TryReadList<T>(ref Utf8JsonReader reader, TryRead<T> entry, out List<T>? list) where T : class
    {
        list = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException($"a list is {reader.TokenType}");
        list = [];
        while (true)
        {
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.EndArray) return true;
            if (reader.TokenType == JsonTokenType.Null)
            {
                list.Add(null!); // kept as the serializer keeps it; skipped when the task is made
                continue;
            }
            if (!entry(ref reader, out T? item)) return false;
            list.Add(item!);
        }
    }

    private static bool TryReadSpan(ref Utf8JsonReader reader, out SpanState? span)
    {
        span = null;
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"a span is {reader.TokenType}, not an object");
        ulong id = 0, parent = 0;
        byte marks = 0;
        Span<char> name = stackalloc char[24];
        while (true)
        {
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.EndObject) break;
            ReadOnlySpan<char> property = Name(in reader, name);
            if (!reader.Read()) return false;
            switch (property)
            {
                case nameof(SpanState.Id): id = UInt64(ref reader); break;
                case nameof(SpanState.Parent): parent = UInt64(ref reader); break;
                case nameof(SpanState.Marks): marks = Byte(ref reader); break;
                default:
                    if (!reader.TrySkip()) return false;
                    break;
            }
        }
        span = new SpanState(id, parent, marks);
        return true;
    }

    private static bool TryReadHeldSpan(ref Utf8JsonReader reader, out HeldSpanState? held)
    {
        held = null;
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"a held span is {reader.TokenType}, not an object");
        ulong id = 0;
        int group = 0;
        Span<char> name = stackalloc char[24];
        while (true)
        {
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.EndObject) break;
            ReadOnlySpan<char> property = Name(in reader, name);
            if (!reader.Read()) return false;
            switch (property)
            {
                case nameof(SpanState.Id): id = UInt64(ref reader); break;
                case nameof(HeldSpanState.Group): group = Int32(ref reader); break;
                default:
                    if (!reader.TrySkip()) return false;
                    break;
            }
        }
        held = new HeldSpanState(id, group);
        return true;
    }

    private static bool TryReadModel(ref Utf8JsonReader reader, out ModelShareState? model)
    {
        model = null;
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"a model is {reader.TokenType}, not an object");
        string? name = null;
        decimal cost = 0;
        int calls = 0;
        long input = 0, output = 0;
        Dictionary<string, int>? basis = null, tiers = null;
        Span<char> property = stackalloc char[24];
        while (true)
        {
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.EndObject) break;
            ReadOnlySpan<char> which = Name(in reader, property);
            if (!reader.Read()) return false;
            switch (which)
            {
                case nameof(ModelShareState.Model): name = StringOrNull(ref reader); break;
                case nameof(ModelShareState.CostUsd): cost = Decimal(ref reader); break;
                case nameof(ModelShareState.Calls): calls = Int32(ref reader); break;
                case nameof(PendingTaskState.InputTokens): input = Int64(ref reader); break;
                case nameof(PendingTaskState.OutputTokens): output = Int64(ref reader); break;
                case nameof(ModelShareState.Basis):
                    if (!TryDeserialize(ref reader, out basis)) return false;
                    break;
                case nameof(ModelShareState.ServiceTiers):
                    if (!TryDeserialize(ref reader, out tiers)) return false;
                    break;
                default:
                    if (!reader.TrySkip()) return false;
                    break;
            }
        }
        model = new ModelShareState(name!, cost, calls, input, output, basis, tiers);
        return true;
    }

    /// <summary>The property name at the reader, unescaped; one longer than any known name reads as unknown.</summary>
    private static ReadOnlySpan<char> Name(in Utf8JsonReader reader, Span<char> buffer) =>
        reader.ValueSpan.Length <= buffer.Length ? buffer[..reader.CopyString(buffer)] : "";

    private static JsonException Wrong(ref Utf8JsonReader reader, string kind) =>
        new($"{kind} expected, {reader.TokenType} found at byte {reader.TokenStartIndex} of the buffer");

    private static string? StringOrNull(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw Wrong(ref reader, "a string"),
    };

    private static long Int64(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value) ? value : throw Wrong(ref reader, "a whole number");

    private static int Int32(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int value) ? value : throw Wrong(ref reader, "a whole number");

    private static ulong UInt64(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out ulong value) ? value : throw Wrong(ref reader, "a whole number");

    private static byte Byte(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetByte(out byte value) ? value : throw Wrong(ref reader, "a number from 0 to 255");

    private static decimal Decimal(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out decimal value) ? value : throw Wrong(ref reader, "a decimal number");

    private static bool Boolean(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Wrong(ref reader, "true or false"),
    };

    /// <summary>An enum by name, in any case, or by number, as JsonStringEnumConverter reads one; whether the value is one of its members is checked later.</summary>
    private static T ReadEnum<T>(ref Utf8JsonReader reader) where T : struct, Enum
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetByte(out byte number)) return (T)(object)number;
        if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length <= 32)
        {
            Span<char> text = stackalloc char[32];
            ReadOnlySpan<char> name = text[..reader.CopyString(text)];
            if (name.Length > 0 && char.IsAsciiLetter(name[0]) && System.Enum.TryParse(name, ignoreCase: true, out T value)) return value;
        }
        throw Wrong(ref reader, $"a {typeof(T).Name}");
    }

    /// <summary>A pending task from its saved state, or null when the state says nothing usable.</summary>
    private static PendingTask? TryMake(PendingTaskState s, in WallToMonotonic time, int version)
    {
        if (s.TraceId is null || !TraceId.TryParseHex(s.TraceId, out TraceId id) || id.IsEmpty) return null;
        if (!System.Enum.IsDefined(s.Outcome) || !System.Enum.IsDefined(s.OutcomeSource) || !System.Enum.IsDefined(s.ApiOutcome)) return null;
        // Counts and money only grow: a negative one would take a counter back.
        if (s.SpanCostUsd < 0 || s.TaskCostUsd < 0 || s.LlmCalls < 0 || s.ToolCalls < 0 || s.InputTokens < 0 || s.OutputTokens < 0) return null;
        foreach (ModelShareState? m in s.Models ?? [])
            if (m is not null && (m.CostUsd < 0 || m.Calls < 0 || m.InputTokens < 0 || m.OutputTokens < 0)) return null;
        if (s.Breakdown is { } b && (b.CacheReadTokens < 0 || b.CacheWriteTokens < 0 || b.ReasoningTokens < 0 || b.ToolCostUsd < 0 ||
            (b.OtherTools ?? []).Any(tool => tool is not null && (tool.CostUsd < 0 || tool.Calls < 0)))) return null;
        foreach (HeldCallState? h in s.HeldCalls ?? [])
            if (h is not null && (!System.Enum.IsDefined(h.Role) || !System.Enum.IsDefined(h.Basis) || !System.Enum.IsDefined(h.ServiceTier) || h.CostUsd < 0 || h.InputTokens < 0 || h.OutputTokens < 0 ||
                h.CacheReadTokens < 0 || h.CacheWriteTokens < 0 || h.ReasoningTokens < 0)) return null;

        var task = new PendingTask(id, time.Past(s.FirstSeenMs))
        {
            LastActivityMs = time.Past(s.LastActivityMs), UseCase = s.UseCase, UseCaseRank = s.UseCaseRank, UseCaseFinal = s.UseCaseFinal, CallsCounted = s.CallsCounted,
            Environment = s.Environment, EnvironmentFromRoot = s.EnvironmentFromRoot,
            Variant = s.Variant, VariantFromRoot = s.VariantFromRoot, Outcome = s.Outcome,
            OutcomeSource = s.OutcomeSource, OutcomeSpanEnd = s.OutcomeSpanEnd, RootError = s.RootError,
            SpanCostUsd = s.SpanCostUsd, TaskCostUsd = s.TaskCostUsd, LlmCalls = s.LlmCalls, ToolCalls = s.ToolCalls,
            InputTokens = s.InputTokens, OutputTokens = s.OutputTokens,
            Spans = new SpanTable(Math.Max(SpanTable.InitialCapacity, s.Spans?.Count ?? 0)),
        };
        foreach (ModelShareState? m in s.Models ?? [])
        {
            if (m?.Model is null) continue;
            task.AddModelCost(m.Model, m.CostUsd, m.Calls, m.InputTokens, m.OutputTokens, m.Pricing());
        }
        if (s.Breakdown is { } breakdown)
        {
            task.Covers(breakdown.StartUnixNano, breakdown.EndUnixNano);
            (task.CacheReadTokens, task.CacheWriteTokens, task.ReasoningTokens) = (breakdown.CacheReadTokens, breakdown.CacheWriteTokens, breakdown.ReasoningTokens);
            task.ToolCostUsd = breakdown.ToolCostUsd;
            if (breakdown.Tool is not null) task.AddToolShare(breakdown.Tool, 0m);
            foreach (ToolShareState? tool in breakdown.OtherTools ?? [])
                if (tool?.Tool is not null) task.AddToolShare(tool.Tool, tool.CostUsd, tool.Calls);
        }
        foreach (SpanState? span in s.Spans ?? [])
            if (span is not null && task.Spans.IndexOf(span.Id) < 0) task.Spans.Add(span.Id, (SpanMarks)span.Marks);
        foreach (SpanState? span in s.Spans ?? [])
        {
            if (span is null || span.Parent == 0) continue;
            int child = task.Spans.IndexOf(span.Id), parent = task.Spans.IndexOf(span.Parent);
            if (child >= 0 && parent >= 0 && parent != child) task.Spans.At(child).Parent = parent;
        }
        RestoreVerdicts(task, s);
        return RestoreHeld(task, s, version) ? task : null;
    }

    /// <summary>
    /// Gives the task the outcome API's verdict and its evaluations. Before version 5 the API's verdict was the task's
    /// outcome with source <c>Api</c>: it becomes the verdict, from source <c>api</c>, and the task has no span outcome.
    /// </summary>
    private static void RestoreVerdicts(PendingTask task, PendingTaskState s)
    {
        if (s.OutcomeSource == OutcomeSource.Api || s.OutcomeSource > OutcomeSource.Root)
        {
            if (s.OutcomeSource == OutcomeSource.Api && s.Outcome != Outcome.Unknown) task.Api = new ApiVerdict(s.Outcome, ApiVerdict.DefaultSource, null);
            task.Outcome = Outcome.Unknown;
            task.OutcomeSource = OutcomeSource.None;
        }
        if (s.ApiOutcome != Outcome.Unknown) task.Api = new ApiVerdict(s.ApiOutcome, Source(s.ApiSource), s.ApiReason);
        foreach (EvaluationState? evaluation in s.Evaluations ?? [])
            if (evaluation?.Name is not null) task.AddEvaluation(new EvaluationVerdict(evaluation.Name, evaluation.LabelPasses, evaluation.Score));
    }

    private static string Source(string? source) =>
        source is not null && OutcomeSourceWord.IsValid(source) ? source.ToLowerInvariant() : ApiVerdict.DefaultSource;

    /// <summary>What a held entry holds: an outcome (before version 5, always) and evaluations (since).</summary>
    private static HeldVerdicts Verdicts(HeldOutcomeState held)
    {
        var verdicts = new HeldVerdicts();
        if (held.Outcome != Outcome.Unknown) verdicts.Api = new ApiVerdict(held.Outcome, Source(held.ApiSource), held.ApiReason);
        foreach (EvaluationState? evaluation in held.Evaluations ?? [])
            if (evaluation?.Name is not null) PendingTask.AddEvaluation(verdicts.Evaluations ??= [], new EvaluationVerdict(evaluation.Name, evaluation.LabelPasses, evaluation.Score));
        return verdicts;
    }

    /// <summary>
    /// Gives <paramref name="task"/> (its span table restored) the calls it held; false when they say nothing usable.
    /// From version 4 the entries are the groups and span ids as they were held; before, one entry per call, held again
    /// as they arrived then.
    /// </summary>
    private static bool RestoreHeld(PendingTask task, PendingTaskState s, int version)
    {
        if (s.HeldCalls is not { Count: > 0 } calls) return true;
        var held = new HeldCalls();
        if (version >= 4)
        {
            foreach (HeldCallState? h in calls)
            {
                // A null entry keeps its place, so the span ids name the groups after it rightly; it holds no call.
                var group = h is null
                    ? new HeldGroup { Summed = true }
                    : new HeldGroup { Call = Call(h), Summed = h.Calls is not null, Calls = h.Calls ?? 0, First = h.First };
                if (!held.TryRestore(in group)) return false;
            }
            foreach (HeldSpanState? span in s.HeldSpans ?? [])
                if (span is not null && !held.TryRestore(new HeldMember(span.Id, span.Group))) return false;
        }
        else
        {
            foreach (HeldCallState? h in calls)
            {
                if (h is null) continue;
                int index = task.Spans.IndexOf(h.SpanId);
                // A call whose span the table does not have, the table not being full, never counted: it stays so.
                if (index < 0 && !task.Spans.IsFull) continue;
                if (held.Hold(Call(h), h.SpanId, tracked: index >= 0, bounded: false) == HoldResult.Summed)
                    task.Spans.At(index).Marks |= SpanMarks.Kept;
            }
        }
        task.Held = held;
        return true;
    }

    private static CountedCall Call(HeldCallState h) =>
        new(h.Role, h.Provider, h.Model, h.Tool, new TokenUsage(h.InputTokens, h.OutputTokens, h.CacheReadTokens, h.CacheWriteTokens, h.ReasoningTokens),
            h.CostUsd, h.Unpriced, h.Basis, h.ServiceTier, h.ServiceTierUnpriced, h.EndDay ?? default);

    /// <summary>
    /// Version 1 ranked use cases 0–2 on the root and 16–18 on other spans (explicit, agent name, service), and counted
    /// every call when it arrived: in today's terms its calls are counted, and a root-ranked use case is final.
    /// </summary>
    private static PendingTaskState FromVersion1(PendingTaskState s)
    {
        bool fromRoot = s.UseCaseRank < 16;
        int rank = (fromRoot ? s.UseCaseRank : s.UseCaseRank - 16) switch
        {
            0 => fromRoot ? 0 : 1,
            1 => fromRoot ? 2 : 4,
            2 => fromRoot ? 3 : 5,
            _ => int.MaxValue,
        };
        return s with { UseCaseRank = rank, UseCaseFinal = fromRoot && s.UseCase is not null, CallsCounted = true };
    }
}
