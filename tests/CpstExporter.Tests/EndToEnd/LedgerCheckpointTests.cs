using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CpstExporter.Billing;
using CpstExporter.Receiving.Otlp;
using CpstExporter.Tasks.State;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Checkpoints taken while exports count held calls: in every state file each call is held by a task of the file or in
/// the file's ledger, never both, and never neither once its request was answered before the checkpoint began.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class LedgerCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-ledger-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task SendAsync(Uri http, params Span[] spans) => OtlpHttpTraces.SendAsync(http, spans);

    [Fact]
    public async Task Checkpoint_WhileHeldCallsAreCounted_EachCallIsInTheFileOnce()
    {
        const int traces = 400, senders = 4;
        string state = Path.Combine(_dir, "state.json");
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Tasks:StateFile"] = state });
        var stateFile = exporter.Services.GetRequiredService<TaskStateFile>();
        DateTimeOffset end = exporter.Clock.GetUtcNow();
        // Each trace's one call has a provider of its own, so the file's ledger says which traces it holds.
        var heldSent = new ConcurrentDictionary<int, bool>();
        var rootSent = new ConcurrentDictionary<int, bool>();

        Task[] sending = [.. Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
        {
            for (int t = s + 1; t <= traces; t += senders)
            {
                await SendAsync(exporter.HttpAddress, BillingSpans.Llm(t, 2, $"p{t}", 0.01, end)); // held: no root yet
                heldSent[t] = true;
                await SendAsync(exporter.HttpAddress, BillingSpans.Root(t, "support", end)); // counts it
                rootSent[t] = true;
            }
        }))];

        int checkpoints = 0;
        while (!sending.All(t => t.IsCompleted) || checkpoints < 3)
        {
            int[] heldBefore = [.. heldSent.Keys], rootBefore = [.. rootSent.Keys];
            stateFile.Checkpoint();
            checkpoints++;
            var (held, ledgered) = Read(state);

            int[] both = [.. held.Intersect(ledgered)];
            Assert.True(both.Length == 0, $"checkpoint {checkpoints}: traces both held and in the ledger: {string.Join(", ", both)}");
            int[] neither = [.. heldBefore.Where(t => !held.Contains(t) && !ledgered.Contains(t))];
            Assert.True(neither.Length == 0, $"checkpoint {checkpoints}: traces sent before it in neither: {string.Join(", ", neither)}");
            Assert.Subset(ledgered, rootBefore.ToHashSet());
        }
        await Task.WhenAll(sending);
        Assert.Equal(traces * 0.01m, exporter.Services.GetRequiredService<TracedCostLedger>().Lines().Sum(l => l.Value));
    }

    /// <summary>The traces whose call a task of the file holds (its last entry), and those the file's ledger has.</summary>
    private static (HashSet<int> Held, HashSet<int> Ledgered) Read(string path)
    {
        using JsonDocument file = JsonDocument.Parse(File.ReadAllBytes(path));
        var lastEntry = new Dictionary<string, JsonElement>();
        foreach (JsonElement task in file.RootElement.GetProperty("Tasks").EnumerateArray()) lastEntry[task.GetProperty("TraceId").GetString()!] = task;
        var held = new HashSet<int>();
        foreach (var (traceId, task) in lastEntry)
            if (task.GetProperty("HeldCalls") is { ValueKind: JsonValueKind.Array } calls && calls.GetArrayLength() > 0)
                held.Add(Convert.ToInt32(traceId[..8], 16));
        var ledgered = new HashSet<int>();
        foreach (JsonElement line in file.RootElement.GetProperty("Sections").GetProperty(TracedCostLedger.SectionName).GetProperty("Entries").EnumerateArray())
            ledgered.Add(int.Parse(line.GetProperty("Provider").GetString()![1..], System.Globalization.CultureInfo.InvariantCulture));
        return (held, ledgered);
    }
}
