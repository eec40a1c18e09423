using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// Groups spans into tasks by trace id and decides when each task is finished (docs/design.md): a task with an
/// outcome settles <see cref="TaskOptions.SettleSeconds"/> after its last span or outcome; one without waits up to
/// <see cref="TaskOptions.OutcomeWindowSeconds"/> from its first span. Finished tasks are remembered for the outcome
/// window so that late spans still add their cost under the task's labels and late outcomes are counted.
/// Every deadline is kept on the monotonic clock (<see cref="TimeProvider.GetTimestamp"/>), as milliseconds since the
/// assembler was made, so a step of the wall clock moves none; wall time is read only for what is written out (a
/// finished task's <see cref="TaskRecord.FinishedAt"/>, the state file).
/// </summary>
/// <remarks>
/// One lock guards all state and is taken once per export request, not per span. Deadlines need no priority queue:
/// a task without an outcome is due a fixed time after its first span, so tasks waiting for one are due in the order
/// they arrived; a task with an outcome is due a fixed time after its last activity, so moving it to the end of the
/// settling list on every activity keeps that list in deadline order too. The sweep takes due tasks off the heads of
/// the two lists, and nothing is left behind when a deadline moves.
/// <para>
/// The assembler orchestrates: the lock, where each task is in its lifecycle (pending, finished, remembered), and the
/// outbox to the metrics. What a span adds to its task is <see cref="PendingTask.Merge"/>; finished tasks and outcomes
/// held for unseen traces are each an <see cref="ExpiringMap{TKey, TValue}"/>; the state file's JSON is written by
/// <see cref="TaskStateWriter"/> and read by <see cref="TaskStateJson"/>, the assembler walking its tasks for one and
/// placing them back for the other.
/// </para>
/// </remarks>
internal sealed class TaskAssembler
{
    private readonly TaskOptions _options;
    private readonly ITaskSink _sink;
    private readonly TimeProvider _time;
    /// <summary>The monotonic timestamp that task times count from: they are milliseconds since it.</summary>
    private readonly long _origin;
    private readonly long _settleMs;
    private readonly long _windowMs;
    /// <summary>How long a finished task is remembered: for late outcomes and spans, and for duplicates of its spans.</summary>
    private readonly long _rememberMs;

    private readonly Lock _lock = new();
    private readonly HashSet<PendingTask> _pending = new(PendingTaskIdentity.Instance);
    private readonly HashSet<PendingTask>.AlternateLookup<TraceId> _pendingById;
    private readonly PendingTaskList _waiting = new();
    private readonly PendingTaskList _settling = new();

    private readonly PendingTaskPool _pool = new();
    /// <summary>Tasks finished during the current call, handed to the pool when it ends: the second pass of
    /// <see cref="Add(ReadOnlySpan{SpanFacts}, ReadOnlySpan{CallPrice})"/> may still hold one.</summary>
    private readonly List<PendingTask> _recycle = [];
    /// <summary>Finished tasks, remembered for late spans, late outcomes and duplicates of their spans; the oldest goes when full.</summary>
    private readonly ExpiringMap<TraceId, FinishedTask> _finished;
    /// <summary>Outcomes from the outcome API for traces not seen yet, held for the outcome window; refused when full.</summary>
    private readonly ExpiringMap<TraceId, Outcome> _held;

    /// <summary>A finished task as remembered: a mutable struct, updated in place in the map as late spans arrive.</summary>
    private struct FinishedTask(TaskLabels labels, SpanTable spans)
    {
        public readonly TaskLabels Labels = labels;
        public SpanTable Spans = spans;
    }

    /// <summary>Of the request being added (under the lock): tasks it may still evict, and spans refused when it could not.</summary>
    private int _evictionsLeft, _refused;

    public TaskAssembler(TaskOptions options, ITaskSink sink, TimeProvider time)
    {
        _options = options;
        _sink = sink;
        _time = time;
        _origin = time.GetTimestamp();
        _settleMs = options.SettleSeconds * 1000L;
        _windowMs = options.OutcomeWindowSeconds * 1000L;
        _rememberMs = Math.Max(_windowMs, options.DuplicateWindowSeconds * 1000L);
        _pendingById = _pending.GetAlternateLookup<TraceId>();
        _finished = new(options.MaxFinishedRemembered);
        _held = new(options.MaxPending);
    }

    public TaskOptions Options => _options;

    public int PendingCount => Volatile.Read(ref _pendingCount);
    private int _pendingCount;

    /// <summary>Outcomes held for traces not seen yet, as places in the expiry queue (for tests of its bound).</summary>
    internal int HeldOutcomeEntries
    {
        get
        {
            lock (_lock) return _held.QueuedExpiries;
        }
    }

    /// <summary>
    /// Where a finished task that a checkpoint wrote is recorded before it reaches the metrics, so that a restart after
    /// a kill does not restore it from the state file and count it twice; null without a state file.
    /// </summary>
    public FinishedTaskJournal? Journal { get; set; }

    /// <summary>
    /// Tasks first seen at or before this time may be in the state file on disk: it is when the latest checkpoint began
    /// (a checkpoint writes the tasks first seen by then), or when the tasks of the file were restored. Only those go to
    /// the journal when they finish; the many that live a few seconds and never meet a checkpoint do not.
    /// </summary>
    private long _writtenUpTo = long.MinValue;

    /// <summary>
    /// Adds the spans of one export request, each with the price the pricing stage gave it. Decides which spans are
    /// calls that count (once per span id, wrappers not) and counts them into the metrics once the task's use case is final.
    /// </summary>
    /// <remarks>
    /// Two passes. The first merges every span into its task and decides, span by span, whether its call counts; the
    /// second counts the calls that still do. So a span later in the same request can still show an earlier one a
    /// wrapper, and a task whose root is in the request (the usual case: SDKs export a trace's spans together, root
    /// last) counts its calls at once instead of holding them, which would cost an allocation per task.
    /// </remarks>
    /// <returns>
    /// How many spans were refused because they would have started a task after the request had used up its
    /// <see cref="TaskOptions.MaxEvictionsPerRequest"/>; the caller reports them as rejected.
    /// </returns>
    public int Add(ReadOnlySpan<SpanFacts> spans, ReadOnlySpan<CallPrice> prices)
    {
        long now = NowMs();
        PendingTask?[] callers = ArrayPool<PendingTask?>.Shared.Rent(spans.Length);
        try
        {
            int refused;
            lock (_lock)
            {
                _evictionsLeft = _options.MaxEvictionsPerRequest;
                _refused = 0;
                try
                {
                    for (int i = 0; i < spans.Length; i++) callers[i] = Add(spans, i, in prices[i], now);
                    for (int i = 0; i < spans.Length; i++)
                        if (callers[i] is PendingTask task) CountOrHold(task, in spans[i], in prices[i]);
                }
                finally
                {
                    Recycle();
                }
                refused = _refused;
            }
            return refused;
        }
        finally
        {
            ArrayPool<PendingTask?>.Shared.Return(callers, clearArray: true);
            SendOutbox(); // also after a failure: what finished before it is not held back
        }
    }

    /// <summary>
    /// Calls counted and tasks finished under the task lock, sent to the metrics once it is released: recording takes
    /// a series' lookup and lock, and the task lock is the one every export request waits for. Per thread, since the
    /// methods that fill them run to completion on the caller's thread.
    /// </summary>
    [ThreadStatic] private static List<(string UseCase, CountedCall Call, int Calls)>? t_counted;
    [ThreadStatic] private static List<TaskRecord>? t_finished;
    /// <summary>Finished tasks that a checkpoint wrote: recorded in the <see cref="Journal"/> before the metrics see them.</summary>
    [ThreadStatic] private static List<TraceId>? t_journal;

    /// <summary>Queues <paramref name="calls"/> calls alike for the metrics, <paramref name="call"/> holding their sums.</summary>
    private static void QueueCounted(string useCase, in CountedCall call, int calls = 1) => (t_counted ??= []).Add((useCase, call, calls));

    /// <summary>
    /// Sends what the calls under the task lock decided: finished tasks and counted calls, after the finished tasks that a
    /// checkpoint wrote are in the journal. A sink that throws for one does not keep the others from it; the first
    /// exception is thrown at the end.
    /// </summary>
    private void SendOutbox()
    {
        Exception? failed = null;
        try
        {
            if (t_journal is { Count: > 0 } journal)
            {
                try
                {
                    Journal?.Append(CollectionsMarshal.AsSpan(journal));
                }
                catch (Exception e)
                {
                    failed = e;
                }
            }
            if (t_finished is { Count: > 0 } finished)
            {
                foreach (TaskRecord task in finished)
                {
                    try
                    {
                        _sink.TaskFinished(in task);
                    }
                    catch (Exception e)
                    {
                        failed ??= e;
                    }
                }
            }
            if (t_counted is { Count: > 0 } counted)
            {
                foreach (var (useCase, call, calls) in counted)
                {
                    try
                    {
                        if (calls == 1) _sink.CallCounted(useCase, in call);
                        else _sink.CallsCounted(useCase, in call, calls);
                    }
                    catch (Exception e)
                    {
                        failed ??= e;
                    }
                }
            }
        }
        finally
        {
            t_journal?.Clear();
            t_finished?.Clear();
            t_counted?.Clear();
        }
        if (failed is not null) ExceptionDispatchInfo.Throw(failed);
    }

    /// <summary>Merges one span; returns its task when the second pass has work for it: a call that counts, or the root.</summary>
    private PendingTask? Add(ReadOnlySpan<SpanFacts> spans, int at, in CallPrice price, long now)
    {
        ref readonly SpanFacts span = ref spans[at];
        if (_pendingById.TryGetValue(span.TraceId, out PendingTask? task))
        {
            if (!task.Spans.TryArrive(span.SpanId, span.ParentSpanId, out int index))
            {
                _sink.SpanDuplicated();
                return null;
            }
            bool counts = task.Merge(in span, in price, index, now);
            Schedule(task);
            return counts ? task : null;
        }
        ref FinishedTask finished = ref _finished.GetValueRefOrNullRef(span.TraceId);
        if (!Unsafe.IsNullRef(ref finished))
        {
            if (!finished.Spans.TryArrive(span.SpanId, span.ParentSpanId, out int index)) _sink.SpanDuplicated();
            else AddLate(ref finished, in span, in price, index);
            return null;
        }

        if (_pendingCount >= _options.MaxPending && Oldest() is PendingTask oldest)
        {
            if (_evictionsLeft == 0)
            {
                _refused++;
                return null;
            }
            _evictionsLeft--;
            Finish(oldest, FinishReason.Evicted, now, _time.GetUtcNow());
        }
        task = _pool.Rent(span.TraceId, now, SpansAhead(spans, at));
        _pending.Add(task);
        _pendingCount++;
        if (_held.Remove(span.TraceId, out Outcome held))
        {
            task.Outcome = held;
            task.OutcomeSource = OutcomeSource.Api;
        }
        task.Spans.TryArrive(span.SpanId, span.ParentSpanId, out int first);
        bool firstCounts = task.Merge(in span, in price, first, now);
        Schedule(task);
        return firstCounts ? task : null;
    }

    /// <summary>
    /// How many spans of a new task's trace the request holds from <paramref name="at"/> on, looking a few spans ahead:
    /// SDKs export a trace's spans together, so its table is made the right size once instead of growing.
    /// </summary>
    private static int SpansAhead(ReadOnlySpan<SpanFacts> spans, int at)
    {
        const int lookAhead = 32;
        TraceId trace = spans[at].TraceId;
        int count = 1, end = Math.Min(spans.Length, at + lookAhead);
        for (int j = at + 1; j < end; j++)
            if (spans[j].TraceId == trace) count++;
        return Math.Max(SpanTable.InitialCapacity, count);
    }

    /// <summary>The second pass for one call: counted now if the task's use case is final, else held until it is.</summary>
    private void CountOrHold(PendingTask task, in SpanFacts span, in CallPrice price)
    {
        if (span.Role == SpanRole.Other)
        {
            if (task.UseCaseFinal && !task.CallsCounted && task.Phase != PendingPhase.New) CountHeld(task);
            return;
        }
        var call = CountedCall.Of(in span, in price);
        if (task.Phase == PendingPhase.New) // scheduled tasks are in a list; only a finished one is in none
        {
            // Finished while this request was being added (evicted at MaxPending): a late call of the finished task,
            // whose span table went with it.
            ref FinishedTask finished = ref _finished.GetValueRefOrNullRef(task.TraceId);
            if (!Unsafe.IsNullRef(ref finished) && finished.Spans.IsCounted(span.SpanId)) CountLate(in finished.Labels, in call);
            return;
        }
        if (!task.Spans.IsCounted(span.SpanId)) return; // a later span of the request showed it a wrapper
        if (task.UseCaseFinal && !task.CallsCounted) CountHeld(task);
        if (task.CallsCounted) Count(task, in call);
        else Hold(task, in call, span.SpanId); // rare: the root comes in a later request
    }

    /// <summary>
    /// Holds a call until its task's use case is final, within the task's bounds (<see cref="HeldCalls"/>): past them the
    /// call counts whatever arrives below it later, and, past the last, it is counted at once under the use case known now.
    /// </summary>
    private void Hold(PendingTask task, in CountedCall call, ulong spanId)
    {
        int index = task.Spans.IndexOf(spanId);
        switch ((task.Held ??= new HeldCalls()).Hold(in call, spanId, tracked: index >= 0))
        {
            case HoldResult.Summed:
                task.Spans.At(index).Marks |= SpanMarks.Kept;
                break;
            case HoldResult.Refused:
                if (index >= 0 && call.Role == SpanRole.Llm) task.Spans.At(index).Marks |= SpanMarks.Kept;
                Count(task, in call);
                _sink.CallCountedEarly();
                break;
        }
    }

    /// <summary>Counts the held calls that still count (a later span may have shown one a wrapper) under the use case, now fixed.</summary>
    private void CountHeld(PendingTask task)
    {
        task.UseCaseFinal = task.CallsCounted = true;
        if (task.Held is not { } held) return;
        task.Held = null;
        string useCase = task.UseCase ?? MissingLabels.Unknown;
        foreach (var (calls, count) in held.StillCounting(in task.Spans))
        {
            task.AddCalls(in calls, count);
            QueueCounted(useCase, in calls, count);
        }
    }

    /// <summary>Adds a call to its task and sends it to the per-call metrics under the task's use case (final, unless the
    /// task's held calls are at their bound).</summary>
    private static void Count(PendingTask task, in CountedCall call)
    {
        task.AddCall(in call);
        QueueCounted(task.UseCase ?? MissingLabels.Unknown, in call);
    }

    /// <summary>A span of a finished task: what counts goes to the task counters under the finished task's labels.</summary>
    private void AddLate(ref FinishedTask finished, in SpanFacts span, in CallPrice price, int index)
    {
        bool counts = WrapperRule.Counts(ref finished.Spans, index, span.Role, final: true);
        if (span.Role == SpanRole.Other || !counts)
        {
            _sink.LateSpan(finished.Labels, new LateContribution(span.Role == SpanRole.Other ? price.CostUsd : 0m, 0, 0, 0, 0));
            return;
        }
        CountLate(in finished.Labels, CountedCall.Of(in span, in price));
    }

    private void CountLate(in TaskLabels labels, in CountedCall call)
    {
        bool llm = call.Role == SpanRole.Llm;
        _sink.LateSpan(labels, new LateContribution(call.CostUsd, llm ? 1 : 0, llm ? 0 : 1, llm ? call.Tokens.Input : 0, llm ? call.Tokens.Output : 0));
        QueueCounted(labels.UseCase, in call);
    }

    /// <summary>Applies an outcome from the outcome API.</summary>
    /// <remarks>
    /// Only the first API outcome of a task or held trace id sets a deadline: a later one replaces the verdict (a review
    /// corrected) but does not move the deadline, so re-posting cannot keep a task pending, or grow the held-outcome
    /// queue, without end.
    /// </remarks>
    public OutcomeApplied ApplyOutcome(TraceId traceId, Outcome outcome)
    {
        long now = NowMs();
        lock (_lock)
        {
            if (_pendingById.TryGetValue(traceId, out PendingTask? task))
            {
                bool first = task.OutcomeSource != OutcomeSource.Api;
                task.Outcome = outcome;
                task.OutcomeSource = OutcomeSource.Api;
                if (first)
                {
                    task.LastActivityMs = now;
                    Schedule(task);
                }
                return OutcomeApplied.Applied;
            }
            if (_finished.ContainsKey(traceId))
            {
                _sink.LateOutcome();
                return OutcomeApplied.Late;
            }
            ref Outcome already = ref _held.GetValueRefOrNullRef(traceId);
            if (!Unsafe.IsNullRef(ref already))
            {
                already = outcome;
                return OutcomeApplied.Held;
            }
            if (_held.IsFull)
            {
                _sink.OutcomeDropped();
                return OutcomeApplied.Dropped;
            }
            _held.Set(traceId, outcome, now + _windowMs, out _);
            return OutcomeApplied.Held;
        }
    }

    /// <summary>Tasks finished per hold of the task lock, so that export requests wait at most that long for a sweep.</summary>
    private const int SweepBatch = 1024;

    /// <summary>Finishes every task whose deadline has passed and forgets expired state; returns how many finished.</summary>
    public int Sweep()
    {
        long now = NowMs();
        DateTimeOffset wallNow = _time.GetUtcNow();
        int finishedCount = 0, finishedNow;
        do
        {
            try
            {
                lock (_lock)
                {
                    try
                    {
                        finishedNow = FinishDue(now, wallNow, SweepBatch);
                        if (finishedNow < SweepBatch) ForgetExpired(now);
                    }
                    finally
                    {
                        Recycle();
                    }
                }
            }
            finally
            {
                SendOutbox(); // also after a failure: tasks already finished reach the metrics
            }
            finishedCount += finishedNow;
        }
        while (finishedNow == SweepBatch);
        return finishedCount;
    }

    private int FinishDue(long now, DateTimeOffset wallNow, int most)
    {
        int finished = 0;
        while (finished < most && _waiting.Head is PendingTask task && task.DeadlineMs(_settleMs, _windowMs) <= now)
        {
            Finish(task, FinishReason.OutcomeWindowElapsed, now, wallNow);
            finished++;
        }
        while (finished < most && _settling.Head is PendingTask task && task.DeadlineMs(_settleMs, _windowMs) <= now)
        {
            Finish(task, FinishReason.Settled, now, wallNow);
            finished++;
        }
        return finished;
    }

    private void ForgetExpired(long now)
    {
        while (_held.TryTakeExpired(now, out _, out _)) _sink.OutcomeDropped();
        while (_finished.TryTakeExpired(now, out _, out FinishedTask forgotten)) _pool.ReturnTable(in forgotten.Spans);
    }

    /// <summary>Tasks a checkpoint writes per hold of the task lock, so that an export waits at most that long for one.</summary>
    internal const int CheckpointChunk = 1024;

    /// <summary>Tasks a checkpoint passes over per hold (they arrived after it began), besides those it writes.</summary>
    private const int CheckpointSkipsPerChunk = 16 * CheckpointChunk;

    /// <summary>One checkpoint at a time: the walk's places are in the two lists.</summary>
    private readonly Lock _checkpointing = new();

    /// <summary>
    /// Writes the state file's content to <paramref name="output"/>: every pending task and held outcome, as JSON
    /// (<see cref="TaskStateWriter"/>), with times as wall-clock Unix milliseconds. The task lock is held for one chunk of at most <see cref="CheckpointChunk"/>
    /// tasks at a time, each chunk written to <paramref name="output"/> after the lock is released, so neither the whole
    /// state nor a copy of it is ever in memory and an export waits at most one chunk. <paramref name="atStart"/> runs
    /// under the task lock as the checkpoint begins (the journal of finished tasks moves to a new segment there).
    /// </summary>
    /// <remarks>
    /// The tasks change between chunks. The walk takes the tasks waiting for an outcome in the order they arrived, up to
    /// the first that arrived after the checkpoint began, then those settling, to the end of their list. A task keeps its
    /// place or leaves its list, and one that had activity moves to the end of the settling list, so the walk meets every
    /// task that was pending when it began and is still pending, and meets again one that changed after it was written
    /// (an outcome, a span of a settling task), whose later entry replaces the earlier at load. A task that finishes after
    /// it was written is in the journal (it was first seen before the checkpoint began), so a restart does not take it back.
    /// Held outcomes are copied at the start, 32 bytes each, and written outside the lock.
    /// </remarks>
    public (int Tasks, int HeldOutcomes) WriteState(Stream output, long? journalSegment = null, Action? atStart = null)
    {
        lock (_checkpointing)
        {
            long start, savedAt;
            List<(TraceId Id, Outcome Outcome, long ExpiresMs)> held;
            lock (_lock)
            {
                atStart?.Invoke();
                start = NowMs();
                _writtenUpTo = start;
                savedAt = _time.GetUtcNow().ToUnixTimeMilliseconds();
                held = [.. _held.Entries()];
                _waiting.ResetWalk();
                _settling.ResetWalk();
            }
            using var writer = new TaskStateWriter(output, toWallMs: savedAt - start);
            int tasks = 0;
            try
            {
                writer.WriteStart(savedAt, journalSegment, held);
                bool settling = false, more = true;
                while (more)
                {
                    lock (_lock) more = WriteChunk(writer, start, ref settling, ref tasks);
                    writer.Drain();
                }
                writer.WriteEnd();
            }
            finally
            {
                lock (_lock)
                {
                    _waiting.ResetWalk();
                    _settling.ResetWalk();
                }
            }
            return (tasks, held.Count);
        }
    }

    /// <summary>Writes the next chunk of tasks, under the task lock; false when the walk is at its end.</summary>
    private bool WriteChunk(TaskStateWriter writer, long start, ref bool settling, ref int written)
    {
        int wrote = 0, skipped = 0;
        while (wrote < CheckpointChunk && skipped < CheckpointSkipsPerChunk && !writer.ChunkFull)
        {
            PendingTaskList list = settling ? _settling : _waiting;
            PendingTask? task = list.NextToWalk;
            // The waiting list is in arrival order: from the first task that arrived after the checkpoint began, none is due.
            if (task is null || (!settling && task.FirstSeenMs > start))
            {
                if (settling) break;
                settling = true;
                continue;
            }
            list.Walked(task);
            if (task.FirstSeenMs > start)
            {
                skipped++; // arrived after the checkpoint began: the next one takes it
                continue;
            }
            writer.WriteTask(task);
            wrote++;
        }
        written += wrote;
        return !(settling && _settling.NextToWalk is null);
    }

    /// <summary>The assembler's monotonic now and the wall clock's, for reading a state file.</summary>
    public (long NowMs, long WallNowMs) Clock() => (NowMs(), _time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>
    /// Takes back the tasks of a state file, their deadlines running on from when they were saved. A trace whose task
    /// the journal lists as finished (<paramref name="finished"/>) is not taken back, since it was counted before the
    /// restart; it is remembered as finished, so its late spans and outcomes count as late. Returns how many tasks were
    /// restored and how many remembered as finished.
    /// </summary>
    public (int Restored, int Finished) Restore(LoadedState state, IReadOnlySet<TraceId> finished)
    {
        long now = NowMs();
        int remembered = 0;
        lock (_lock)
        {
            var restored = new List<PendingTask>(state.Tasks.Count);
            // The last entry of a trace is its newest (a checkpoint writes a task again when it changed): taken first.
            for (int i = state.Tasks.Count - 1; i >= 0; i--)
            {
                PendingTask task = state.Tasks[i];
                if (_pendingById.Contains(task.TraceId) || _finished.ContainsKey(task.TraceId)) continue;
                if (finished.Contains(task.TraceId))
                {
                    Remember(task.TraceId, task.Labels(), task.Spans, now);
                    remembered++;
                    continue;
                }
                _pending.Add(task);
                _pendingCount++;
                restored.Add(task);
            }
            restored.Sort(static (a, b) => a.FirstSeenMs.CompareTo(b.FirstSeenMs));
            _writtenUpTo = Math.Max(_writtenUpTo, now); // they are in the state file on disk until a checkpoint replaces it
            // A saved deadline may be earlier than a live task's: each task goes to its place in its list, not to the
            // end. Taken in each list's own order, so that at start-up, with no live tasks, every insertion is at the end.
            foreach (PendingTask task in restored.Where(t => !t.HasOutcomeSignal))
            {
                task.Phase = PendingPhase.Waiting;
                _waiting.InsertOrdered(task, static t => t.FirstSeenMs);
            }
            foreach (PendingTask task in restored.Where(t => t.HasOutcomeSignal).OrderBy(t => t.LastActivityMs))
            {
                task.Phase = PendingPhase.Settling;
                _settling.InsertOrdered(task, static t => t.LastActivityMs);
            }
            // The expiry queue is read from its head: in expiry order.
            foreach (var (id, outcome, expires) in state.HeldOutcomes.OrderBy(h => h.ExpiresMs))
            {
                if (_pendingById.Contains(id) || _finished.ContainsKey(id)) continue;
                _held.Set(id, outcome, expires, out _);
            }
            return (restored.Count, remembered);
        }
    }

    /// <summary>
    /// Puts a task that just had activity where its deadline belongs: a new task without an outcome at the end of the
    /// waiting list (it arrived last); a task with an outcome at the end of the settling list (its activity was last).
    /// </summary>
    private void Schedule(PendingTask task)
    {
        if (task.HasOutcomeSignal)
        {
            ListOf(task)?.Remove(task);
            _settling.AddLast(task);
            task.Phase = PendingPhase.Settling;
        }
        else if (task.Phase == PendingPhase.New)
        {
            _waiting.AddLast(task);
            task.Phase = PendingPhase.Waiting;
        }
    }

    private PendingTaskList? ListOf(PendingTask task) => task.Phase switch
    {
        PendingPhase.Waiting => _waiting,
        PendingPhase.Settling => _settling,
        _ => null,
    };

    /// <summary>
    /// The task to finish early at <see cref="TaskOptions.MaxPending"/>: the one with the oldest first span among the
    /// longest-waiting task without an outcome and the task with an outcome that is due to settle first.
    /// </summary>
    private PendingTask? Oldest()
    {
        PendingTask? waiting = _waiting.Head, settling = _settling.Head;
        if (waiting is null) return settling;
        return settling is not null && settling.FirstSeenMs < waiting.FirstSeenMs ? settling : waiting;
    }

    /// <param name="finishedAt">The wall clock now, for the exemplar's timestamp; read once per sweep.</param>
    private void Finish(PendingTask task, FinishReason reason, long now, DateTimeOffset finishedAt)
    {
        if (!task.CallsCounted) CountHeld(task); // without a root, the use case is what the other spans said
        _pending.Remove(task);
        _pendingCount--;
        ListOf(task)?.Remove(task);
        task.Phase = PendingPhase.New;

        TaskLabels labels = task.Labels();
        var record = new TaskRecord(task.TraceId, labels, task.TotalCostUsd, task.LlmCalls, task.ToolCalls,
            task.InputTokens, task.OutputTokens, finishedAt, reason, _options.RecentTasks > 0 ? task.Breakdown() : null);
        (t_finished ??= []).Add(record);
        if (task.FirstSeenMs <= _writtenUpTo && Journal is not null) (t_journal ??= []).Add(task.TraceId);

        Remember(task.TraceId, labels, task.Spans, now);
        task.Spans = default; // the table went with the finished task
        _recycle.Add(task);
    }

    /// <summary>Remembers a finished task, with its span table, for late spans, late outcomes and duplicates.</summary>
    private void Remember(TraceId traceId, TaskLabels labels, SpanTable spans, long now)
    {
        if (_finished.IsFull && _finished.TryTakeOldest(out _, out FinishedTask oldest)) _pool.ReturnTable(in oldest.Spans);
        if (_finished.Set(traceId, new FinishedTask(labels, spans), now + _rememberMs, out FinishedTask replaced))
            _pool.ReturnTable(in replaced.Spans);
    }

    private void Recycle()
    {
        foreach (PendingTask task in _recycle) _pool.Return(task);
        _recycle.Clear();
    }

    /// <summary>Monotonic milliseconds since the assembler was made: what every deadline is kept in.</summary>
    private long NowMs() => _time.GetElapsedTime(_origin).Ticks / TimeSpan.TicksPerMillisecond;
}
