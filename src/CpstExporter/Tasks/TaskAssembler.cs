using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Receiving;

namespace CpstExporter.Tasks;

/// <summary>
/// Groups spans into tasks by trace id and decides when each task is finished (DESIGN.md §5): a task with an
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
    private readonly Dictionary<TraceId, FinishedTask> _finished = new();
    private readonly Queue<(TraceId Id, long ExpiresMs)> _finishedOrder = new();
    private readonly Dictionary<TraceId, HeldOutcome> _held = new();
    private readonly Queue<(TraceId Id, long ExpiresMs)> _heldOrder = new();

    /// <summary>A finished task as remembered: a mutable struct, updated in place in the dictionary as late spans arrive.</summary>
    private struct FinishedTask(TaskLabels labels, long expiresMs, SpanTable spans)
    {
        public readonly TaskLabels Labels = labels;
        public readonly long ExpiresMs = expiresMs;
        public SpanTable Spans = spans;
    }
    private readonly record struct HeldOutcome(Outcome Outcome, long ExpiresMs);

    private long _evicted;

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
    }

    public int PendingCount => Volatile.Read(ref _pendingCount);
    private int _pendingCount;

    /// <summary>Tasks finished early because <see cref="TaskOptions.MaxPending"/> was reached.</summary>
    public long EvictedCount => Interlocked.Read(ref _evicted);

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
    public void Add(ReadOnlySpan<SpanFacts> spans, ReadOnlySpan<CallPrice> prices)
    {
        long now = NowMs();
        PendingTask?[] callers = ArrayPool<PendingTask?>.Shared.Rent(spans.Length);
        try
        {
            lock (_lock)
            {
                for (int i = 0; i < spans.Length; i++) callers[i] = Add(spans, i, in prices[i], now);
                for (int i = 0; i < spans.Length; i++)
                    if (callers[i] is PendingTask task) CountOrHold(task, in spans[i], in prices[i]);
                Recycle();
            }
            SendOutbox();
        }
        finally
        {
            ArrayPool<PendingTask?>.Shared.Return(callers, clearArray: true);
        }
    }

    /// <summary>
    /// Calls counted and tasks finished under the task lock, sent to the metrics once it is released: recording takes
    /// a series' lookup and lock, and the task lock is the one every export request waits for. Per thread, since the
    /// methods that fill them run to completion on the caller's thread.
    /// </summary>
    [ThreadStatic] private static List<(string UseCase, CountedCall Call)>? t_counted;
    [ThreadStatic] private static List<TaskRecord>? t_finished;

    private static void QueueCounted(string useCase, in CountedCall call) => (t_counted ??= []).Add((useCase, call));

    /// <summary>Sends what the calls under the task lock decided: finished tasks and counted calls.</summary>
    private void SendOutbox()
    {
        try
        {
            if (t_finished is { Count: > 0 } finished)
                foreach (TaskRecord task in finished) _sink.TaskFinished(in task);
            if (t_counted is { Count: > 0 } counted)
                foreach (var (useCase, call) in counted) _sink.CallCounted(useCase, in call);
        }
        finally
        {
            t_finished?.Clear();
            t_counted?.Clear();
        }
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
            bool counts = Merge(task, in span, in price, index, now);
            Schedule(task);
            return counts ? task : null;
        }
        ref FinishedTask finished = ref CollectionsMarshal.GetValueRefOrNullRef(_finished, span.TraceId);
        if (!Unsafe.IsNullRef(ref finished))
        {
            if (!finished.Spans.TryArrive(span.SpanId, span.ParentSpanId, out int index)) _sink.SpanDuplicated();
            else AddLate(ref finished, in span, in price, index);
            return null;
        }

        if (_pendingCount >= _options.MaxPending && Oldest() is PendingTask oldest)
        {
            Interlocked.Increment(ref _evicted);
            Finish(oldest, FinishReason.Evicted, now);
        }
        task = _pool.Rent(span.TraceId, now, SpansAhead(spans, at));
        _pending.Add(task);
        _pendingCount++;
        if (_held.Remove(span.TraceId, out HeldOutcome held))
        {
            task.Outcome = held.Outcome;
            task.OutcomeSource = OutcomeSource.Api;
        }
        task.Spans.TryArrive(span.SpanId, span.ParentSpanId, out int first);
        bool firstCounts = Merge(task, in span, in price, first, now);
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
            ref FinishedTask finished = ref CollectionsMarshal.GetValueRefOrNullRef(_finished, task.TraceId);
            if (!Unsafe.IsNullRef(ref finished) && finished.Spans.IsCounted(span.SpanId)) CountLate(in finished.Labels, in call);
            return;
        }
        if (!task.Spans.IsCounted(span.SpanId)) return; // a later span of the request showed it a wrapper
        if (task.UseCaseFinal && !task.CallsCounted) CountHeld(task);
        if (task.CallsCounted) Count(task, in call);
        else (task.Held ??= []).Add(new HeldCall(span.SpanId, call)); // rare: the root comes in a later request
    }

    /// <summary>Merges a span's facts into its task; true when the second pass has work for it (<see cref="CountOrHold"/>).</summary>
    private bool Merge(PendingTask task, in SpanFacts span, in CallPrice price, int index, long now)
    {
        task.LastActivityMs = now;

        var (useCase, rank) = UseCaseRanks.Of(in span);
        if (!task.UseCaseFinal && useCase is not null && rank < task.UseCaseRank)
        {
            task.UseCase = useCase;
            task.UseCaseRank = rank;
        }
        if (span.Environment is not null && (task.Environment is null || (span.IsRoot && !task.EnvironmentFromRoot)))
        {
            task.Environment = span.Environment;
            task.EnvironmentFromRoot = span.IsRoot;
        }
        if (span.Variant is not null && (task.Variant is null || (span.IsRoot && !task.VariantFromRoot)))
        {
            task.Variant = span.Variant;
            task.VariantFromRoot = span.IsRoot;
        }

        if (span.Outcome != Outcome.Unknown)
        {
            OutcomeSource source = span.IsRoot ? OutcomeSource.Root : OutcomeSource.Span;
            // Among non-root spans the one that ended last is the end of the chain.
            if (source > task.OutcomeSource || (source == task.OutcomeSource && span.EndTimeUnixNano >= task.OutcomeSpanEnd))
            {
                task.Outcome = span.Outcome;
                task.OutcomeSource = source;
                task.OutcomeSpanEnd = span.EndTimeUnixNano;
            }
        }
        if (span.IsRoot && span.StatusError) task.RootError = true;
        if (span.TaskCost is decimal taskCost) task.TaskCostUsd = taskCost;

        if (span.IsRoot) task.UseCaseFinal = true;

        bool counts = WrapperRule.Counts(ref task.Spans, index, span.Role, task.CallsCounted);
        if (span.Role == SpanRole.Other) task.SpanCostUsd = Saturating.Add(task.SpanCostUsd, price.CostUsd); // an explicit cost only
        // The root goes to the second pass too: its arrival makes the calls held so far count.
        return counts || span.IsRoot;
    }

    /// <summary>Counts the held calls that still count (a later span may have shown one a wrapper) under the use case, now fixed.</summary>
    private void CountHeld(PendingTask task)
    {
        task.UseCaseFinal = task.CallsCounted = true;
        if (task.Held is null) return;
        foreach (HeldCall held in task.Held)
            if (task.Spans.IsCounted(held.SpanId)) Count(task, held.Call);
        task.Held = null;
    }

    private void Count(PendingTask task, in CountedCall call)
    {
        task.SpanCostUsd = Saturating.Add(task.SpanCostUsd, call.CostUsd);
        if (call.Role == SpanRole.Llm)
        {
            task.LlmCalls = Saturating.Add(task.LlmCalls, 1);
            task.InputTokens = Saturating.Add(task.InputTokens, call.Tokens.Input);
            task.OutputTokens = Saturating.Add(task.OutputTokens, call.Tokens.Output);
            task.AddModelCost(call.Model ?? TaskLabels.UnknownUseCase, call.CostUsd);
        }
        else task.ToolCalls = Saturating.Add(task.ToolCalls, 1);
        QueueCounted(task.UseCase ?? TaskLabels.UnknownUseCase, in call);
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
    public OutcomeApplied ApplyOutcome(TraceId traceId, Outcome outcome)
    {
        long now = NowMs();
        lock (_lock)
        {
            if (_pendingById.TryGetValue(traceId, out PendingTask? task))
            {
                task.Outcome = outcome;
                task.OutcomeSource = OutcomeSource.Api;
                task.LastActivityMs = now;
                Schedule(task);
                return OutcomeApplied.Applied;
            }
            if (_finished.ContainsKey(traceId))
            {
                _sink.LateOutcome();
                return OutcomeApplied.Late;
            }
            if (_held.Count >= _options.MaxPending)
            {
                _sink.OutcomeDropped();
                return OutcomeApplied.Dropped;
            }
            long expires = now + _windowMs;
            _held[traceId] = new HeldOutcome(outcome, expires);
            _heldOrder.Enqueue((traceId, expires));
            return OutcomeApplied.Held;
        }
    }

    /// <summary>Tasks finished per hold of the task lock, so that export requests wait at most that long for a sweep.</summary>
    private const int SweepBatch = 1024;

    /// <summary>Finishes every task whose deadline has passed and forgets expired state; returns how many finished.</summary>
    public int Sweep()
    {
        long now = NowMs();
        int finishedCount = 0, finishedNow;
        do
        {
            lock (_lock)
            {
                finishedNow = FinishDue(now, SweepBatch);
                if (finishedNow < SweepBatch) ForgetExpired(now);
                Recycle();
            }
            SendOutbox();
            finishedCount += finishedNow;
        }
        while (finishedNow == SweepBatch);
        return finishedCount;
    }

    private int FinishDue(long now, int most)
    {
        int finished = 0;
        while (finished < most && _waiting.Head is PendingTask task && task.DeadlineMs(_settleMs, _windowMs) <= now)
        {
            Finish(task, FinishReason.OutcomeWindowElapsed, now);
            finished++;
        }
        while (finished < most && _settling.Head is PendingTask task && task.DeadlineMs(_settleMs, _windowMs) <= now)
        {
            Finish(task, FinishReason.Settled, now);
            finished++;
        }
        return finished;
    }

    private void ForgetExpired(long now)
    {
        while (_heldOrder.TryPeek(out var held) && held.ExpiresMs <= now)
        {
            _heldOrder.Dequeue();
            if (_held.TryGetValue(held.Id, out HeldOutcome current) && current.ExpiresMs == held.ExpiresMs)
            {
                _held.Remove(held.Id);
                _sink.OutcomeDropped();
            }
        }
        while (_finishedOrder.TryPeek(out var entry) && entry.ExpiresMs <= now) Forget(_finishedOrder.Dequeue());
    }

    /// <summary>Everything pending, for the state file; times as wall-clock Unix milliseconds, which survive a restart.</summary>
    public TaskStateSnapshot Snapshot()
    {
        lock (_lock)
        {
            long savedAt = _time.GetUtcNow().ToUnixTimeMilliseconds(), toWall = savedAt - NowMs();
            var tasks = new List<PendingTaskState>(_pendingCount);
            // No sorting under the lock: Restore orders by first span itself.
            foreach (PendingTask t in _waiting.All().Concat(_settling.All())) tasks.Add(ToState(t, toWall));
            var held = _held.Select(h => new HeldOutcomeState(h.Key.ToString(), h.Value.Outcome, h.Value.ExpiresMs + toWall)).ToList();
            return new TaskStateSnapshot(TaskStateSnapshot.CurrentVersion, tasks, held, savedAt);
        }
    }

    private static PendingTaskState ToState(PendingTask t, long toWall)
    {
        var models = new List<ModelShareState>();
        if (t.Model is not null) models.Add(new ModelShareState(t.Model, t.ModelCostUsd, t.ModelCalls));
        if (t.OtherModels is not null) models.AddRange(t.OtherModels.Select(m => new ModelShareState(m.Model, m.CostUsd, m.Calls)));
        var spans = new List<SpanState>(t.Spans.Count);
        ReadOnlySpan<SpanTable.Entry> entries = t.Spans.All;
        foreach (ref readonly SpanTable.Entry e in entries)
            spans.Add(new SpanState(e.SpanId, e.Parent < 0 ? 0 : entries[e.Parent].SpanId, (byte)e.Marks));
        List<HeldCallState>? heldCalls = t.Held?.Select(h => new HeldCallState(h.SpanId, h.Call.Role, h.Call.Provider, h.Call.Model,
            h.Call.Tool, h.Call.Tokens.Input, h.Call.Tokens.Output, h.Call.Tokens.CacheRead, h.Call.Tokens.CacheWrite,
            h.Call.Tokens.Reasoning, h.Call.CostUsd, h.Call.Unpriced)).ToList();
        return new PendingTaskState(t.TraceId.ToString(), t.FirstSeenMs + toWall, t.LastActivityMs + toWall, t.UseCase, t.UseCaseRank,
            t.Environment, t.EnvironmentFromRoot, t.Variant, t.VariantFromRoot, t.Outcome, t.OutcomeSource, t.OutcomeSpanEnd,
            t.RootError, t.SpanCostUsd, t.TaskCostUsd, t.LlmCalls, t.ToolCalls, t.InputTokens, t.OutputTokens, models,
            t.UseCaseFinal, t.CallsCounted, spans, heldCalls);
    }

    private static PendingTask FromState(TraceId id, PendingTaskState s, in WallToMonotonic time)
    {
        var task = new PendingTask(id, time.Past(s.FirstSeenMs))
        {
            LastActivityMs = time.Past(s.LastActivityMs), UseCase = s.UseCase, UseCaseRank = s.UseCaseRank, UseCaseFinal = s.UseCaseFinal, CallsCounted = s.CallsCounted,
            Environment = s.Environment, EnvironmentFromRoot = s.EnvironmentFromRoot,
            Variant = s.Variant, VariantFromRoot = s.VariantFromRoot, Outcome = s.Outcome,
            OutcomeSource = s.OutcomeSource, OutcomeSpanEnd = s.OutcomeSpanEnd, RootError = s.RootError,
            SpanCostUsd = s.SpanCostUsd, TaskCostUsd = s.TaskCostUsd, LlmCalls = s.LlmCalls, ToolCalls = s.ToolCalls,
            InputTokens = s.InputTokens, OutputTokens = s.OutputTokens,
            Spans = new SpanTable(Math.Max(3, s.Spans?.Count ?? 0)),
        };
        foreach (ModelShareState? m in s.Models ?? [])
        {
            if (m?.Model is null) continue;
            if (task.Model is null) (task.Model, task.ModelCostUsd, task.ModelCalls) = (m.Model, m.CostUsd, m.Calls);
            else ((task.Extras ??= new()).OtherModels ??= []).Add((m.Model, m.CostUsd, m.Calls));
        }
        foreach (SpanState? span in s.Spans ?? [])
            if (span is not null && task.Spans.IndexOf(span.Id) < 0) task.Spans.Add(span.Id, (SpanMarks)span.Marks);
        foreach (SpanState? span in s.Spans ?? [])
        {
            if (span is null || span.Parent == 0) continue;
            int child = task.Spans.IndexOf(span.Id), parent = task.Spans.IndexOf(span.Parent);
            if (child >= 0 && parent >= 0 && parent != child) task.Spans.At(child).Parent = parent;
        }
        foreach (HeldCallState? h in s.HeldCalls ?? [])
        {
            if (h is null) continue;
            var tokens = new TokenUsage(h.InputTokens, h.OutputTokens, h.CacheReadTokens, h.CacheWriteTokens, h.ReasoningTokens);
            (task.Held ??= []).Add(new HeldCall(h.SpanId, new CountedCall(h.Role, h.Provider, h.Model, h.Tool, tokens, h.CostUsd, h.Unpriced)));
        }
        return task;
    }

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

    /// <summary>
    /// Takes back tasks from the state file, oldest first; their deadlines run on from when they were saved. Entries
    /// that say nothing usable (null, a bad trace id) are skipped.
    /// </summary>
    public void Restore(TaskStateSnapshot snapshot)
    {
        var time = new WallToMonotonic(NowMs(), _time.GetUtcNow().ToUnixTimeMilliseconds(), snapshot.SavedAtMs);
        lock (_lock)
        {
            var restored = new List<PendingTask>(snapshot.Tasks.Count);
            foreach (PendingTaskState s in snapshot.Tasks.OfType<PendingTaskState>().OrderBy(t => t.FirstSeenMs))
            {
                if (s.TraceId is null || !TraceId.TryParseHex(s.TraceId, out TraceId id) || _pendingById.Contains(id)) continue;
                PendingTask task = FromState(id, snapshot.Version == 1 ? FromVersion1(s) : s, in time);
                _pending.Add(task);
                _pendingCount++;
                restored.Add(task);
            }
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
            foreach (HeldOutcomeState? h in snapshot.HeldOutcomes)
            {
                if (h?.TraceId is null || !TraceId.TryParseHex(h.TraceId, out TraceId id)) continue;
                long expires = time.Any(h.ExpiresMs);
                _held[id] = new HeldOutcome(h.Outcome, expires);
                _heldOrder.Enqueue((id, expires));
            }
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

    private void Finish(PendingTask task, FinishReason reason, long now)
    {
        if (!task.CallsCounted) CountHeld(task); // without a root, the use case is what the other spans said
        _pending.Remove(task);
        _pendingCount--;
        ListOf(task)?.Remove(task);
        task.Phase = PendingPhase.New;

        var labels = new TaskLabels(
            task.UseCase ?? TaskLabels.UnknownUseCase,
            task.FinalOutcome(),
            task.PrimaryModel(),
            task.Environment ?? TaskLabels.None,
            task.Variant ?? TaskLabels.None);
        var record = new TaskRecord(task.TraceId, labels, task.TotalCostUsd, task.LlmCalls, task.ToolCalls,
            task.InputTokens, task.OutputTokens, _time.GetUtcNow(), reason);
        (t_finished ??= []).Add(record);

        if (_finished.Count >= _options.MaxFinishedRemembered && _finishedOrder.TryDequeue(out var oldest)) Forget(oldest);
        long expires = now + _rememberMs;
        ref FinishedTask remembered = ref CollectionsMarshal.GetValueRefOrAddDefault(_finished, task.TraceId, out bool existed);
        if (existed) _pool.ReturnTable(in remembered.Spans);
        remembered = new FinishedTask(labels, expires, task.Spans);
        _finishedOrder.Enqueue((task.TraceId, expires));
        task.Spans = default; // the table went with the finished task
        _recycle.Add(task);
    }

    private void Forget((TraceId Id, long ExpiresMs) entry)
    {
        if (_finished.TryGetValue(entry.Id, out FinishedTask finished) && finished.ExpiresMs == entry.ExpiresMs)
        {
            _finished.Remove(entry.Id);
            _pool.ReturnTable(in finished.Spans);
        }
    }

    private void Recycle()
    {
        foreach (PendingTask task in _recycle) _pool.Return(task);
        _recycle.Clear();
    }

    /// <summary>Monotonic milliseconds since the assembler was made: what every deadline is kept in.</summary>
    private long NowMs() => _time.GetElapsedTime(_origin).Ticks / TimeSpan.TicksPerMillisecond;
}
