using System.Text;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Tasks.State;

/// <summary>
/// A state file of any content either loads or is moved aside with the reason; either way the service runs on. Named
/// hostile contents, and mutations of a real file.
/// </summary>
public sealed class TaskStateFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-statefile-").FullName;
    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly TaskDecisionLog _sink = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StatePath => Path.Combine(_dir, "state.json");

    private (RecordingAssembler Assembler, TaskStateFile File) Service()
    {
        var options = new TaskOptions { StateFile = StatePath, MaxPending = 1000 };
        var assembler = new RecordingAssembler(options, _sink, _clock);
        return (assembler, new TaskStateFile(options, assembler.Assembler, new IdleLifetime(), _clock, NullLogger<TaskStateFile>.Instance));
    }

    private static TraceId Trace(int n) => new(0x0a0b0c0d, (ulong)n);

    private const string Hex = "0a0b0c0d000000000000000000000001";

    private static string Task(string fields = "") =>
        $$"""{"Version":3,"SavedAtMs":1793610000000,"HeldOutcomes":[],"Tasks":[{"TraceId":"{{Hex}}","FirstSeenMs":1793610000000,"LastActivityMs":1793610000000{{fields}}}]}""";

    private static string Nested(string open, string close, int depth) =>
        string.Concat(Enumerable.Repeat(open, depth)) + string.Concat(Enumerable.Repeat(close, depth));

    private static byte[] Random(int seed, int length, bool printable = false)
    {
        var random = new Random(seed);
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        if (printable) for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(32 + bytes[i] % 95);
        return bytes;
    }

    /// <summary>What each hostile file is, and how many tasks it should restore; -1: it is moved aside.</summary>
    private static readonly Dictionary<string, (Func<byte[]> Content, int Pending)> Hostile = new()
    {
        ["random bytes, 1 KB"] = (() => Random(1, 1 << 10), -1),
        ["random bytes, 1 MB"] = (() => Random(2, 1 << 20), -1),
        ["random printable text"] = (() => Random(3, 1 << 16, printable: true), -1),
        ["empty"] = (() => [], -1),
        ["whitespace"] = (() => Encoding.UTF8.GetBytes("  \n\t "), -1),
        ["NUL bytes"] = (() => new byte[4096], -1),
        ["arrays 100,000 deep"] = (() => Encoding.UTF8.GetBytes(Nested("[", "]", 100_000)), -1),
        ["objects 100,000 deep in a task"] = (() => Encoding.UTF8.GetBytes(Task(",\"UseCase\":" + Nested("{\"a\":", "}", 100_000).Replace("{\"a\":}", "{\"a\":1}"))), -1),
        ["an unknown property 40 deep"] = (() => Encoding.UTF8.GetBytes("{\"Version\":3,\"Later\":" + Nested("[", "]", 40) + ",\"Tasks\":[],\"HeldOutcomes\":[]}"), -1),
        ["an unknown property, shallow"] = (() => Encoding.UTF8.GetBytes("{\"Version\":3,\"Later\":{\"a\":[1,2]},\"Tasks\":[],\"HeldOutcomes\":[]}"), 0),
        ["a time of 1e400"] = (() => Encoding.UTF8.GetBytes(Task().Replace("\"FirstSeenMs\":1793610000000", "\"FirstSeenMs\":1e400")), -1),
        ["a time of 20 digits"] = (() => Encoding.UTF8.GetBytes(Task().Replace("\"FirstSeenMs\":1793610000000", "\"FirstSeenMs\":99999999999999999999")), -1),
        ["the largest and smallest times"] = (() => Encoding.UTF8.GetBytes(Task().Replace("\"FirstSeenMs\":1793610000000,\"LastActivityMs\":1793610000000",
            "\"FirstSeenMs\":9223372036854775807,\"LastActivityMs\":-9223372036854775808")), 1),
        ["the largest save time"] = (() => Encoding.UTF8.GetBytes(Task().Replace("\"SavedAtMs\":1793610000000", "\"SavedAtMs\":9223372036854775807")), 1),
        ["a cost beyond decimal"] = (() => Encoding.UTF8.GetBytes(Task(",\"SpanCostUsd\":1e40")), -1),
        ["the largest decimal cost"] = (() => Encoding.UTF8.GetBytes(Task(",\"SpanCostUsd\":79228162514264337593543950335")), 1),
        ["a negative cost"] = (() => Encoding.UTF8.GetBytes(Task(",\"SpanCostUsd\":-1")), 0),
        ["a negative call count"] = (() => Encoding.UTF8.GetBytes(Task(",\"LlmCalls\":-5")), 0),
        ["an outcome that is no outcome"] = (() => Encoding.UTF8.GetBytes(Task(",\"Outcome\":9")), 0),
        ["an outcome in lower case, its source by number"] = (() => Encoding.UTF8.GetBytes(Task(",\"Outcome\":\"success\",\"OutcomeSource\":3")), 1),
        ["an outcome spelled wrong"] = (() => Encoding.UTF8.GetBytes(Task(",\"Outcome\":\"Maybe\"")), -1),
        ["a held call of no role"] = (() => Encoding.UTF8.GetBytes(Task(",\"HeldCalls\":[{\"SpanId\":1,\"Role\":7}]")), 0),
        ["the version as text"] = (() => Encoding.UTF8.GetBytes(Task().Replace("\"Version\":3", "\"Version\":\"3\"")), -1),
        ["tasks as an object"] = (() => Encoding.UTF8.GetBytes("{\"Version\":3,\"Tasks\":{},\"HeldOutcomes\":[]}"), -1),
        ["a task that is a number"] = (() => Encoding.UTF8.GetBytes("{\"Version\":3,\"Tasks\":[5],\"HeldOutcomes\":[]}"), -1),
        ["span ids as text"] = (() => Encoding.UTF8.GetBytes(Task(",\"Spans\":\"x\"")), -1),
        ["marks beyond a byte"] = (() => Encoding.UTF8.GetBytes(Task(",\"Spans\":[{\"Id\":1,\"Parent\":0,\"Marks\":300}]")), -1),
        ["a count as text"] = (() => Encoding.UTF8.GetBytes(Task(",\"LlmCalls\":\"many\"")), -1),
        ["a use case that is a number"] = (() => Encoding.UTF8.GetBytes(Task(",\"UseCase\":5")), -1),
        ["invalid UTF-8 in a string"] = (() => [.. Encoding.UTF8.GetBytes(Task(",\"UseCase\":\"")[..^3]), 0xC3, 0x28, .. "\"}]}"u8], -1),
        ["a use case of 20 MB"] = (() => Encoding.UTF8.GetBytes(Task($",\"UseCase\":\"{new string('u', 20 << 20)}\"")), 1),
        ["a byte order mark"] = (() => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Task())], 1),
        ["something after the state"] = (() => Encoding.UTF8.GetBytes(Task() + " trailing"), 1),
        ["a property twice"] = (() => Encoding.UTF8.GetBytes(Task(",\"UseCase\":\"a\",\"UseCase\":\"b\"")), 1),
        ["a trace id of zeros"] = (() => Encoding.UTF8.GetBytes(Task().Replace(Hex, new string('0', 32))), 0),
        ["a journal segment of text"] = (() => Encoding.UTF8.GetBytes(Task().Replace("\"SavedAtMs\"", "\"JournalSegment\":\"x\",\"SavedAtMs\"")), -1),
        ["nothing but a version"] = (() => Encoding.UTF8.GetBytes("{\"Version\":3}"), -1),
        ["tasks before the version"] = (() => Encoding.UTF8.GetBytes("{\"Tasks\":[{\"TraceId\":\"" + Hex + "\"}],\"HeldOutcomes\":[],\"Version\":2}"), 1),
    };

    public static TheoryData<string> HostileNames => new(Hostile.Keys);

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Load_HostileContent_LoadsOrIsMovedAside_AndTheServiceRunsOn(string what)
    {
        var (content, pending) = Hostile[what];
        File.WriteAllBytes(StatePath, content());
        var (assembler, file) = Service();

        file.Load(StatePath); // throws nothing, whatever the content

        if (pending < 0)
        {
            Assert.False(File.Exists(StatePath), $"{what}: not moved aside");
            Assert.Single(Directory.GetFiles(_dir, "state.json.unreadable-*"));
        }
        else
        {
            Assert.True(File.Exists(StatePath), $"{what}: moved aside");
            Assert.Equal(pending, assembler.PendingCount);
        }
        AssertRunsOn(assembler, file, pending < 0 ? 0 : pending);
    }

    /// <summary>The service goes on: a span makes a task, a sweep finishes what is due, a checkpoint writes a file that loads.</summary>
    private void AssertRunsOn(RecordingAssembler assembler, TaskStateFile file, int pending)
    {
        assembler.Add([new SpanFacts { TraceId = Trace(77), SpanId = 77, IsRoot = true, ServiceName = "svc" }], [default(CallPrice)]);
        Assert.Equal(pending + 1, assembler.PendingCount);
        file.Checkpoint();
        Assert.Equal(0, file.SaveFailures);
        var (again, reload) = Service();
        reload.Load(StatePath);
        Assert.Equal(pending + 1, again.PendingCount);
        _clock.AdvanceSeconds(new TaskOptions().OutcomeWindowSeconds + 1);
        assembler.Sweep();
        Assert.Equal(0, assembler.PendingCount);
    }

    [Fact]
    public void Load_MutationsOfARealFile_LoadOrAreMovedAside()
    {
        byte[] real = RealFile();
        var random = new Random(20261102);
        for (int round = 0; round < 300; round++)
        {
            byte[] mutated = Mutate(real, random);
            foreach (string leftover in Directory.GetFiles(_dir)) File.Delete(leftover);
            File.WriteAllBytes(StatePath, mutated);
            var (assembler, file) = Service();

            file.Load(StatePath);

            bool loaded = File.Exists(StatePath), movedAside = Directory.GetFiles(_dir, "state.json.unreadable-*").Length == 1;
            Assert.True(loaded != movedAside, $"round {round}: loaded {loaded}, moved aside {movedAside}");
            assembler.Sweep();
            file.Checkpoint();
            Assert.Equal(0, file.SaveFailures);
        }
    }

    /// <summary>A state file with the parts a task can have: calls held for the root, two models, span ids, an explicit cost; a held outcome.</summary>
    private byte[] RealFile()
    {
        var (assembler, file) = Service();
        for (int t = 1; t <= 8; t++)
        {
            ulong root = (ulong)t << 8;
            SpanFacts[] spans =
            [
                new() { TraceId = Trace(t), SpanId = root + 1, ParentSpanId = root, Role = SpanRole.Llm, Model = "gpt-4o", Provider = "openai", Tokens = new TokenUsage(100, 10, 5, 0, 1) },
                new() { TraceId = Trace(t), SpanId = root + 2, ParentSpanId = root, Role = SpanRole.Llm, Model = "claude", Provider = "anthropic", Tokens = new TokenUsage(50, 5, 0, 0, 0) },
                new() { TraceId = Trace(t), SpanId = root + 3, ParentSpanId = root, Role = SpanRole.Tool, ToolName = "search" },
            ];
            assembler.Add(spans, [Priced.At(0.01m), Priced.At(0.02m), Priced.At(0.001m, unpriced: true)]);
            if (t % 2 == 0)
                assembler.Add([new SpanFacts { TraceId = Trace(t), SpanId = root, IsRoot = true, UseCase = "support", Environment = "prod", TaskCost = 1.5m }], [default(CallPrice)]);
        }
        assembler.ApplyOutcome(Trace(3), Outcome.Success);
        assembler.ApplyOutcome(Trace(99), Outcome.Failure);
        file.Checkpoint();
        return File.ReadAllBytes(StatePath);
    }

    private static byte[] Mutate(byte[] real, Random random)
    {
        byte[] bytes = (byte[])real.Clone();
        switch (random.Next(5))
        {
            case 0: // a few bytes anything
                for (int i = random.Next(1, 6); i > 0; i--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return bytes;
            case 1: // cut short
                return bytes[..random.Next(bytes.Length)];
            case 2: // a piece of itself somewhere else
            {
                int from = random.Next(bytes.Length), length = random.Next(1, Math.Min(200, bytes.Length - from) + 1), at = random.Next(bytes.Length);
                return [.. bytes[..at], .. bytes.AsSpan(from, length), .. bytes[at..]];
            }
            case 3: // a digit becomes a long run of digits, a sign, or a letter
            {
                int at = random.Next(bytes.Length);
                while (at < bytes.Length && !char.IsAsciiDigit((char)bytes[at])) at++;
                if (at == bytes.Length) return bytes;
                string[] replacements = ["99999999999999999999999999999999", "-", "e999", "x", "0.5", "-0"];
                return [.. bytes[..at], .. Encoding.ASCII.GetBytes(replacements[random.Next(replacements.Length)]), .. bytes[(at + 1)..]];
            }
            default: // a structural character where another was
            {
                byte[] structural = "{}[]:,\"nt"u8.ToArray();
                bytes[random.Next(bytes.Length)] = structural[random.Next(structural.Length)];
                return bytes;
            }
        }
    }
}
