using CpstExporter.Conventions;
using CpstExporter.Receiving;

namespace CpstExporter.Tasks;

/// <summary>
/// Groups spans into tasks by trace id and decides when each task is finished (DESIGN.md §5): a task with an
/// outcome settles <see cref="TaskOptions.SettleSeconds"/> after its last span or outcome; one without waits up to
/// <see cref="TaskOptions.OutcomeWindowSeconds"/> from its first span. Finished tasks are remembered for the outcome
/// window so that late spans still add their cost under the task's labels and late outcomes are counted.
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
    private readonly long _settleMs;
    private readonly long _windowMs;

    private readonly Lock _lock = new();
    private readonly HashSet<PendingTask> _pending = new(PendingTaskIdentity.Instance);
    private readonly HashSet<PendingTask>.AlternateLookup<TraceId> _pendingById;
    private readonly PendingTaskList _waiting = new();
    private readonly PendingTaskList _settling = new();

    private readonly Dictionary<TraceId, FinishedTask> _finished = new();
    private readonly Queue<(TraceId Id, long ExpiresMs)> _finishedOrder = new();
    private readonly Dictionary<TraceId, HeldOutcome> _held = new();
    private readonly Queue<(TraceId Id, long ExpiresMs)> _heldOrder = new();

    private readonly record struct FinishedTask(TaskLabels Labels, long ExpiresMs);
    private readonly record struct HeldOutcome(Outcome Outcome, long ExpiresMs);

    private long _evicted;

    public TaskAssembler(TaskOptions options, ITaskSink sink, TimeProvider time)
    {
        _options = options;
        _sink = sink;
        _time = time;
        _settleMs = options.SettleSeconds * 1000L;
        _windowMs = options.OutcomeWindowSeconds * 1000L;
        _pendingById = _pending.GetAlternateLookup<TraceId>();
    }

    public int PendingCount => Volatile.Read(ref _pendingCount);
    private int _pendingCount;

    /// <summary>Tasks finished early because <see cref="TaskOptions.MaxPending"/> was reached.</summary>
    public long EvictedCount => Interlocked.Read(ref _evicted);

    /// <summary>
    /// Adds the spans of one export request, each with the cost the pricing stage gave it, and tells for each the
    /// use case of its task as known after the span was added.
    /// </summary>
    public void Add(ReadOnlySpan<SpanFacts> spans, ReadOnlySpan<decimal> costs, Span<string?> useCases)
    {
        long now = NowMs();
        lock (_lock)
        {
            for (int i = 0; i < spans.Length; i++) useCases[i] = Add(in spans[i], costs[i], now);
        }
    }

    private string? Add(in SpanFacts span, decimal cost, long now)
    {
        if (_pendingById.TryGetValue(span.TraceId, out PendingTask? task))
        {
            Merge(task, in span, cost, now);
            Schedule(task);
            return task.UseCase;
        }
        if (_finished.TryGetValue(span.TraceId, out FinishedTask finished))
        {
            _sink.LateSpan(finished.Labels, new LateContribution(
                cost,
                span.Role == SpanRole.Llm ? 1 : 0,
                span.Role == SpanRole.Tool ? 1 : 0,
                span.Role == SpanRole.Llm ? span.Tokens.Input : 0,
                span.Role == SpanRole.Llm ? span.Tokens.Output : 0));
            return finished.Labels.UseCase;
        }

        if (_pendingCount >= _options.MaxPending && Oldest() is PendingTask oldest)
        {
            Interlocked.Increment(ref _evicted);
            Finish(oldest, FinishReason.Evicted, now);
        }
        task = new PendingTask(span.TraceId, now);
        _pending.Add(task);
        _pendingCount++;
        if (_held.Remove(span.TraceId, out HeldOutcome held))
        {
            task.Outcome = held.Outcome;
            task.OutcomeSource = OutcomeSource.Api;
        }
        Merge(task, in span, cost, now);
        Schedule(task);
        return task.UseCase;
    }

    private static void Merge(PendingTask task, in SpanFacts span, decimal cost, long now)
    {
        task.LastActivityMs = now;
        int rankOffset = span.IsRoot ? 0 : PendingTask.NonRootRankOffset;

        if (span.UseCase is not null && span.UseCaseRank + rankOffset < task.UseCaseRank)
        {
            task.UseCase = span.UseCase;
            task.UseCaseRank = span.UseCaseRank + rankOffset;
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

        task.SpanCostUsd += cost;
        if (span.TaskCost is decimal taskCost) task.TaskCostUsd = taskCost;

        if (span.Role == SpanRole.Llm)
        {
            task.LlmCalls++;
            task.InputTokens += span.Tokens.Input;
            task.OutputTokens += span.Tokens.Output;
            task.AddModelCost(span.Model ?? TaskLabels.UnknownUseCase, cost);
        }
        else if (span.Role == SpanRole.Tool)
        {
            task.ToolCalls++;
        }
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

    /// <summary>Finishes every task whose deadline has passed and forgets expired state; returns how many finished.</summary>
    public int Sweep()
    {
        long now = NowMs();
        int finishedCount = 0;
        lock (_lock)
        {
            while (_waiting.Head is PendingTask task && task.DeadlineMs(_settleMs, _windowMs) <= now)
            {
                Finish(task, FinishReason.OutcomeWindowElapsed, now);
                finishedCount++;
            }
            while (_settling.Head is PendingTask task && task.DeadlineMs(_settleMs, _windowMs) <= now)
            {
                Finish(task, FinishReason.Settled, now);
                finishedCount++;
            }

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
        return finishedCount;
    }

    /// <summary>Everything pending, for the state file.</summary>
    public TaskStateSnapshot Snapshot()
    {
        lock (_lock)
        {
            var tasks = new List<PendingTaskState>(_pendingCount);
            // No sorting under the lock: Restore orders by first span itself.
            foreach (PendingTask t in _waiting.All().Concat(_settling.All()))
            {
                var models = new List<ModelShareState>();
                if (t.Model is not null) models.Add(new ModelShareState(t.Model, t.ModelCostUsd, t.ModelCalls));
                if (t.OtherModels is not null) models.AddRange(t.OtherModels.Select(m => new ModelShareState(m.Model, m.CostUsd, m.Calls)));
                tasks.Add(new PendingTaskState(t.TraceId.ToString(), t.FirstSeenMs, t.LastActivityMs, t.UseCase, t.UseCaseRank,
                    t.Environment, t.EnvironmentFromRoot, t.Variant, t.VariantFromRoot, t.Outcome, t.OutcomeSource, t.OutcomeSpanEnd,
                    t.RootError, t.SpanCostUsd, t.TaskCostUsd, t.LlmCalls, t.ToolCalls, t.InputTokens, t.OutputTokens, models));
            }
            var held = _held.Select(h => new HeldOutcomeState(h.Key.ToString(), h.Value.Outcome, h.Value.ExpiresMs)).ToList();
            return new TaskStateSnapshot(TaskStateSnapshot.CurrentVersion, tasks, held);
        }
    }

    /// <summary>Takes back tasks from the state file, oldest first; their deadlines run on from when they were saved.</summary>
    public void Restore(TaskStateSnapshot snapshot)
    {
        lock (_lock)
        {
            var restored = new List<PendingTask>(snapshot.Tasks.Count);
            foreach (PendingTaskState s in snapshot.Tasks.OrderBy(t => t.FirstSeenMs))
            {
                if (!TraceId.TryParseHex(s.TraceId, out TraceId id) || _pendingById.Contains(id)) continue;
                var task = new PendingTask(id, s.FirstSeenMs)
                {
                    LastActivityMs = s.LastActivityMs, UseCase = s.UseCase, UseCaseRank = s.UseCaseRank,
                    Environment = s.Environment, EnvironmentFromRoot = s.EnvironmentFromRoot,
                    Variant = s.Variant, VariantFromRoot = s.VariantFromRoot, Outcome = s.Outcome,
                    OutcomeSource = s.OutcomeSource, OutcomeSpanEnd = s.OutcomeSpanEnd, RootError = s.RootError,
                    SpanCostUsd = s.SpanCostUsd, TaskCostUsd = s.TaskCostUsd, LlmCalls = s.LlmCalls, ToolCalls = s.ToolCalls,
                    InputTokens = s.InputTokens, OutputTokens = s.OutputTokens,
                };
                foreach (ModelShareState m in s.Models)
                {
                    if (task.Model is null) (task.Model, task.ModelCostUsd, task.ModelCalls) = (m.Model, m.CostUsd, m.Calls);
                    else ((task.Extras ??= new()).OtherModels ??= []).Add((m.Model, m.CostUsd, m.Calls));
                }
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
            foreach (HeldOutcomeState h in snapshot.HeldOutcomes)
            {
                if (!TraceId.TryParseHex(h.TraceId, out TraceId id)) continue;
                _held[id] = new HeldOutcome(h.Outcome, h.ExpiresMs);
                _heldOrder.Enqueue((id, h.ExpiresMs));
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
            task.InputTokens, task.OutputTokens, DateTimeOffset.FromUnixTimeMilliseconds(now), reason);
        _sink.TaskFinished(in record);

        if (_finished.Count >= _options.MaxFinishedRemembered && _finishedOrder.TryDequeue(out var oldest)) Forget(oldest);
        long expires = now + _windowMs;
        _finished[task.TraceId] = new FinishedTask(labels, expires);
        _finishedOrder.Enqueue((task.TraceId, expires));
    }

    private void Forget((TraceId Id, long ExpiresMs) entry)
    {
        if (_finished.TryGetValue(entry.Id, out FinishedTask finished) && finished.ExpiresMs == entry.ExpiresMs)
            _finished.Remove(entry.Id);
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
