using System.Collections;
using System.Reflection;
using System.Text.Json;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Tests.Tasks.State;

/// <summary>
/// The state records define the file's format (docs/design.md, "The state file"): the writer writes every field of them
/// and the reader reads every field back. A field added to a record and left out of either fails here.
/// </summary>
public class TaskStateFormatTests
{
    /// <summary>Fields only files before the current version have: read, never written.</summary>
    private static readonly HashSet<string> ReadOnlyFromEarlierVersions = [$"{nameof(HeldCallState)}.{nameof(HeldCallState.SpanId)}"];

    private static IEnumerable<PropertyInfo> Fields(Type record) =>
        record.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.Name != "EqualityContract" && p.GetIndexParameters().Length == 0);

    private static bool IsRecord(Type type) => type.Namespace == typeof(PendingTaskState).Namespace && type.Name.EndsWith("State", StringComparison.Ordinal);

    private static Type? ElementRecord(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) && IsRecord(type.GetGenericArguments()[0]) ? type.GetGenericArguments()[0] : null;

    [Fact]
    public void Writer_TasksWithEveryPart_WritesEveryFieldOfEveryRecord()
    {
        var clock = new WallSteppingTimeProvider();
        var assembler = new TaskAssembler(new TaskOptions { SettleSeconds = 5, MaxPending = 1000 }, clock);
        var decisions = new TaskDecisions();
        var trace = new TraceId(0x0a0b0c0d, 1);
        var waiting = new TraceId(0x0a0b0c0d, 2);
        CallPrice Priced(decimal cost) => new(cost, PricingBasis.Table, ServiceTier.Flex, CallPriceNotes.None);
        SpanFacts Llm(TraceId t, ulong id, string model, long input) => new()
        {
            TraceId = t, SpanId = id, ParentSpanId = 1, Role = SpanRole.Llm, Provider = "openai", Model = model,
            Tokens = new TokenUsage(input, 10, 5, 3, 2), StartTimeUnixNano = 1_000 + id, EndTimeUnixNano = 2_000 + id, ServiceName = "svc",
        };
        SpanFacts Tool(TraceId t, ulong id, string tool) => new() { TraceId = t, SpanId = id, ParentSpanId = 1, Role = SpanRole.Tool, ToolName = tool, ServiceName = "svc" };

        // A task with its root: two models, two tools, an explicit task cost, environment and variant from the root.
        assembler.Add([Llm(trace, 2, "gpt-4o", 100), Llm(trace, 3, "gpt-4o-mini", 50), Tool(trace, 4, "search"), Tool(trace, 5, "fetch"),
            new SpanFacts { TraceId = trace, SpanId = 1, IsRoot = true, UseCase = "support", Environment = "prod", Variant = "b", TaskCost = 1.5m,
                Outcome = Outcome.Success, StartTimeUnixNano = 900, EndTimeUnixNano = 3_000 }],
            [Priced(0.5m), Priced(0.25m), Priced(0.01m), Priced(0.02m), Priced(0m)], decisions);
        // A task whose root has not come: an LLM call held with its span id, a tool call summed.
        assembler.Add([Llm(waiting, 2, "gpt-4o", 100), Tool(waiting, 3, "search")], [Priced(0.5m), Priced(0.01m)], decisions);
        // The outcome API's verdicts, with who gave them and why, and evaluations: on a task and held for a trace not seen yet.
        var notSeen = new TraceId(0x0a0b0c0d, 3);
        assembler.ApplyOutcome(trace, Outcome.Success, "human", "refund issued");
        assembler.ApplyOutcome(notSeen, Outcome.Failure, "system", "tests failed");
        assembler.ApplyEvaluations([new EvaluationResult(trace, "judge", "pass", 0.9, null), new EvaluationResult(notSeen, "tests", "fail", 0.1, null)],
            decisions);

        using var file = new MemoryStream();
        assembler.WriteState(file, journalSegment: 7);
        using JsonDocument written = JsonDocument.Parse(file.ToArray());

        var seen = new HashSet<string>();
        Collect(typeof(TaskStateSnapshot), written.RootElement, seen);
        string[] missing = AllFields(typeof(TaskStateSnapshot)).Where(f => !seen.Contains(f) && !ReadOnlyFromEarlierVersions.Contains(f)).ToArray();
        Assert.True(missing.Length == 0, $"record fields the writer does not write: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Reader_EveryFieldOfATask_ReadsBackAsTheSerializerWroteIt()
    {
        var task = (PendingTaskState)Make(typeof(PendingTaskState), 1);
        string json = JsonSerializer.Serialize(task, TaskStateReader.Options);

        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json), isFinalBlock: true, default);
        reader.Read();
        Assert.True(TaskStateReader.TryReadTask(ref reader, out PendingTaskState? read));

        Assert.Equal(json, JsonSerializer.Serialize(read, TaskStateReader.Options));
    }

    /// <summary>The check above can fail: a record with a field left out reads back without it.</summary>
    [Fact]
    public void Reader_TheComparisonSeesAFieldLeftOut()
    {
        var task = (PendingTaskState)Make(typeof(PendingTaskState), 1);
        string json = JsonSerializer.Serialize(task, TaskStateReader.Options);
        string without = JsonSerializer.Serialize(task with { Variant = null }, TaskStateReader.Options);

        Assert.NotEqual(json, without);
    }

    /// <summary>Every field of <paramref name="record"/> and of the records it holds, as <c>Record.Field</c>.</summary>
    private static IEnumerable<string> AllFields(Type record, HashSet<Type>? visited = null)
    {
        visited ??= [];
        if (!visited.Add(record)) yield break;
        foreach (PropertyInfo field in Fields(record))
        {
            yield return $"{record.Name}.{field.Name}";
            Type type = Nullable.GetUnderlyingType(field.PropertyType) ?? field.PropertyType;
            Type? nested = IsRecord(type) ? type : ElementRecord(type);
            if (nested is not null)
                foreach (string inner in AllFields(nested, visited)) yield return inner;
        }
    }

    /// <summary>The fields present in <paramref name="json"/>, an object of <paramref name="record"/>, and in the objects it holds.</summary>
    private static void Collect(Type record, JsonElement json, HashSet<string> seen)
    {
        foreach (PropertyInfo field in Fields(record))
        {
            if (!json.TryGetProperty(field.Name, out JsonElement value)) continue;
            seen.Add($"{record.Name}.{field.Name}");
            Type type = Nullable.GetUnderlyingType(field.PropertyType) ?? field.PropertyType;
            if (IsRecord(type) && value.ValueKind == JsonValueKind.Object) Collect(type, value, seen);
            else if (ElementRecord(type) is Type element && value.ValueKind == JsonValueKind.Array)
                foreach (JsonElement item in value.EnumerateArray()) Collect(element, item, seen);
        }
    }

    /// <summary>A value of <paramref name="type"/> with nothing at its default: records with every field set, lists of one.</summary>
    private static object Make(Type type, int seed)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return $"s{seed}";
        if (type == typeof(bool)) return true;
        if (type == typeof(byte)) return (byte)(seed % 200 + 1);
        if (type == typeof(int)) return seed + 1;
        if (type == typeof(long)) return (long)seed + 1_000_000_000_000;
        if (type == typeof(ulong)) return (ulong)seed + 10_000_000_000_000_000_000;
        if (type == typeof(decimal)) return seed + 0.125m;
        if (type == typeof(double)) return seed + 0.25;
        if (type == typeof(DateOnly)) return new DateOnly(2026, 1, 1).AddDays(seed % 300);
        if (type.IsEnum) return Enum.GetValues(type).Cast<object>().Last();
        if (type == typeof(Dictionary<string, int>)) return new Dictionary<string, int> { [$"k{seed}"] = seed + 2 };
        if (ElementRecord(type) is Type element)
        {
            var list = (IList)Activator.CreateInstance(type)!;
            list.Add(Make(element, seed + 1));
            return list;
        }
        if (IsRecord(type))
        {
            ConstructorInfo constructor = type.GetConstructors().Single();
            ParameterInfo[] parameters = constructor.GetParameters();
            return constructor.Invoke(parameters.Select((p, i) => Make(p.ParameterType, seed * 31 + i)).ToArray());
        }
        throw new NotSupportedException($"no value made for {type}: add it here");
    }
}
