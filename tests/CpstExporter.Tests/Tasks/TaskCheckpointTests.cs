using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Tasks;

/// <summary>
/// <see cref="TaskAssembler.WriteState"/>: the state file written a chunk at a time with the task lock released in
/// between, while tasks change, finish and arrive, and what a restart makes of it with the journal of finished tasks.
/// </summary>
public sealed class TaskCheckpointTests : IDisposable
{
    private const int Settle = 5;
    private const int Window = 900;

    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly TaskDecisionLog _sink = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StatePath => Path.Combine(_dir, "state.json");

    private RecordingAssembler Assembler() =>
        new(new TaskOptions { SettleSeconds = Settle, OutcomeWindowSeconds = Window, MaxPending = 100_000 }, _sink, _clock);

    private static TraceId Trace(int n) => new(0x0a0b0c0d, (ulong)n);

    private static void AddRoots(RecordingAssembler assembler, IEnumerable<int> traces)
    {
        SpanFacts[] spans = traces.Select(n => new SpanFacts { TraceId = Trace(n), SpanId = (ulong)n, IsRoot = true, ServiceName = "svc" }).ToArray();
        assembler.Add(spans, new CallPrice[spans.Length]);
    }

    /// <summary>
    /// Keeps what is written, and calls back after each write: between two chunks, with the task lock released. The
    /// first write is the start of the file with the first chunk.
    /// </summary>
    private sealed class BetweenChunks(Action<int> between) : MemoryStream
    {
        public int Writes { get; private set; }
        public int Largest { get; private set; }

        public override void Write(byte[] buffer, int offset, int count)
        {
            base.Write(buffer, offset, count);
            Largest = Math.Max(Largest, count);
            between(++Writes);
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);
    }

    [Fact]
    public void WriteState_ManyTasks_TheTaskLockIsFreeBetweenChunks()
    {
        RecordingAssembler assembler = Assembler();
        AddRoots(assembler, Enumerable.Range(1, 5 * TaskCheckpoint.Chunk));
        var output = new BetweenChunks(_ =>
        {
            // Another thread takes the task lock, as an export does: it must not wait for the rest of the checkpoint.
            Assert.True(Task.Run(() => assembler.ApplyOutcome(Trace(999_999), Outcome.Success)).Wait(TimeSpan.FromSeconds(30)),
                "an export waited for the whole checkpoint");
        });

        var (tasks, _) = assembler.WriteState(output);

        Assert.Equal(5 * TaskCheckpoint.Chunk, tasks);
        Assert.True(output.Writes >= 5, $"{output.Writes} writes for 5 chunks");
    }

    [Fact]
    public void WriteState_TasksWithLargeSpanTables_AChunkStaysNearAMegabyte()
    {
        RecordingAssembler assembler = Assembler();
        for (int t = 1; t <= 20; t++)
        {
            // 10,000 spans: about 400 KB of JSON for the task.
            SpanFacts[] spans = Enumerable.Range(1, 10_000)
                .Select(i => new SpanFacts { TraceId = Trace(t), SpanId = (ulong)i + 1, ParentSpanId = 1, ServiceName = "svc" }).ToArray();
            assembler.Add(spans, new CallPrice[spans.Length]);
        }
        var output = new BetweenChunks(_ => { });

        var (tasks, _) = assembler.WriteState(output);

        Assert.Equal(20, tasks);
        Assert.True(output.Writes >= 6, $"{output.Writes} writes");
        Assert.True(output.Largest < 2 << 20, $"a chunk of {output.Largest} bytes");
    }

    [Fact]
    public void WriteState_TasksChangeFinishAndArriveBetweenChunks_ARestartHasEachPendingTaskOnceWithItsOutcomeAndNoFinishedOne()
    {
        using var journal = new FinishedTaskJournal(StatePath, (_, reason) => throw new Xunit.Sdk.XunitException(reason));
        RecordingAssembler assembler = Assembler();
        assembler.Journal = journal;
        const int tasks = 6 * TaskCheckpoint.Chunk;
        AddRoots(assembler, Enumerable.Range(1, tasks));
        // A previous checkpoint wrote half of them, so some tasks are in a state file before this one reaches them.
        journal.SwapTo(journal.OpenNext());
        assembler.WriteState(Stream.Null);
        AddRoots(assembler, Enumerable.Range(tasks + 1, 100));

        var random = new Random(20261102);
        int arriving = 100_000;
        var output = new BetweenChunks(write =>
        {
            if (write is < 2 or > 4) return; // the walk is still on; from write 5 on nothing changes, so the end state is known
            for (int i = 0; i < 200; i++) assembler.ApplyOutcome(Trace(random.Next(1, tasks + 100)), Outcome.Success);
            _clock.AdvanceSeconds(Settle);
            assembler.Sweep(); // every task that got an outcome at the previous write finishes now
            for (int i = 0; i < 200; i++) assembler.ApplyOutcome(Trace(random.Next(1, tasks + 100)), Outcome.Failure);
            AddRoots(assembler, Enumerable.Range(arriving, 100)); // arrived after the checkpoint began: not in it
            arriving += 100;
        });
        FinishedTaskJournal.Segment segment = journal.OpenNext();
        assembler.WriteState(output, segment.Number, atStart: () => journal.SwapTo(segment));

        // A kill now: the next process reads this file and the journal.
        Assert.True(_sink.Finished.Count > 0, "no task finished during the checkpoint");
        Dictionary<string, Outcome> pending = assembler.Snapshot().Tasks
            .Where(t => Convert.ToUInt64(t.TraceId[16..], 16) < 100_000)
            .ToDictionary(t => t.TraceId, t => t.Outcome);
        RecordingAssembler restarted = Assembler();
        var (now, wallNow) = restarted.Clock();
        LoadedState state = TaskStateReader.Read(new MemoryStream(output.ToArray()), now, wallNow);
        restarted.Restore(state, FinishedTaskJournal.Read(StatePath, state.JournalSegment));

        Dictionary<string, Outcome> restored = restarted.Snapshot().Tasks.ToDictionary(t => t.TraceId, t => t.Outcome);
        Assert.Equal(pending.OrderBy(p => p.Key), restored.OrderBy(r => r.Key));
        Assert.True(state.Tasks.Count > restored.Count, "no task was written twice: the walk never met a changed task again");
        Assert.DoesNotContain(_sink.Finished, f => restored.ContainsKey(f.TraceId.ToString()));
    }

    [Fact]
    public void WriteState_TheLastTaskWrittenFinishesOrMovesBetweenChunks_TheWalkGoesOnFromItsPlace()
    {
        using var journal = new FinishedTaskJournal(StatePath, (_, reason) => throw new Xunit.Sdk.XunitException(reason));
        RecordingAssembler assembler = Assembler();
        assembler.Journal = journal;
        const int chunk = TaskCheckpoint.Chunk;
        AddRoots(assembler, Enumerable.Range(1, 3 * chunk));
        var output = new BetweenChunks(write =>
        {
            if (write == 1) // the first chunk is written: its last task finishes
            {
                assembler.ApplyOutcome(Trace(chunk), Outcome.Failure);
                _clock.AdvanceSeconds(Settle);
                assembler.Sweep();
            }
            if (write == 2) assembler.ApplyOutcome(Trace(2 * chunk), Outcome.Success); // the second's moves to the settling list
        });
        FinishedTaskJournal.Segment segment = journal.OpenNext();

        assembler.WriteState(output, segment.Number, atStart: () => journal.SwapTo(segment));

        Assert.Equal([Trace(chunk)], _sink.Finished.Select(f => f.TraceId));
        RecordingAssembler restarted = Assembler();
        var (now, wallNow) = restarted.Clock();
        LoadedState state = TaskStateReader.Read(new MemoryStream(output.ToArray()), now, wallNow);
        restarted.Restore(state, FinishedTaskJournal.Read(StatePath, state.JournalSegment));
        // The outcome API's verdict is kept apart from what the spans said (state file version 5).
        Dictionary<string, Outcome> restored = restarted.Snapshot().Tasks.ToDictionary(t => t.TraceId, t => t.ApiOutcome);
        Assert.Equal(3 * chunk - 1, restored.Count);
        Assert.DoesNotContain(Trace(chunk).ToString(), restored.Keys);
        Assert.Equal(Outcome.Success, restored[Trace(2 * chunk).ToString()]);
    }

    [Fact]
    public void Restore_TaskTheJournalListsAsFinished_IsRememberedAsFinished()
    {
        RecordingAssembler saved = Assembler();
        AddRoots(saved, [1, 2]);
        TaskStateSnapshot snapshot = saved.Snapshot();
        RecordingAssembler restarted = Assembler();
        var (now, wallNow) = restarted.Clock();

        var (restoredCount, finishedCount) = restarted.Restore(TaskStateReader.FromSnapshot(snapshot, now, wallNow), new HashSet<TraceId> { Trace(1) });

        Assert.Equal((1, 1), (restoredCount, finishedCount));
        Assert.Equal(OutcomeApplied.Late, restarted.ApplyOutcome(Trace(1), Outcome.Success));
        Assert.Equal(OutcomeApplied.Applied, restarted.ApplyOutcome(Trace(2), Outcome.Success));
        restarted.Add([new SpanFacts { TraceId = Trace(1), SpanId = 1, IsRoot = true, ServiceName = "svc" }], [default]);
        Assert.Equal(1, _sink.Duplicates); // its span ids came back with it
    }

    [Fact]
    public void Finish_TaskRestoredFromTheStateFile_IsJournaled_AndOneThatNeverMetACheckpointIsNot()
    {
        RecordingAssembler saved = Assembler();
        AddRoots(saved, [1]);
        TaskStateSnapshot snapshot = saved.Snapshot();
        using var journal = new FinishedTaskJournal(StatePath, (_, reason) => throw new Xunit.Sdk.XunitException(reason));
        journal.SwapTo(journal.OpenNext());
        RecordingAssembler restarted = Assembler();
        restarted.Journal = journal;
        restarted.Restore(snapshot);
        _clock.AdvanceSeconds(1);
        AddRoots(restarted, [2]); // arrives after the restore: in no state file

        restarted.ApplyOutcome(Trace(1), Outcome.Success);
        restarted.ApplyOutcome(Trace(2), Outcome.Success);
        _clock.AdvanceSeconds(Settle);
        restarted.Sweep();

        Assert.Equal(2, _sink.Finished.Count);
        Assert.Equal([Trace(1)], FinishedTaskJournal.Read(StatePath, from: null));
    }
}
