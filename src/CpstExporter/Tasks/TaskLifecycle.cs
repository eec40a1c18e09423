using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// Where every task is in its lifecycle, and the moves between: pending (waiting for an outcome, or settling after one),
/// finished and remembered for the outcome window, and outcomes held for traces not seen yet. The jobs of the task stage
/// (<see cref="SpanIngest"/>, <see cref="OutcomeIntake"/>, <see cref="TaskSweep"/>, <see cref="TaskCheckpoint"/>) read
/// and move tasks through it; none of it is thread-safe: <see cref="TaskAssembler"/> calls them under its one lock.
/// </summary>
/// <remarks>
/// Every deadline is kept on the monotonic clock (<see cref="TimeProvider.GetTimestamp"/>), as milliseconds since the
/// lifecycle was made, so a step of the wall clock moves none; wall time is read only for what is written out (a
/// finished task's <see cref="TaskRecord.FinishedAt"/>, the state file).
/// <para>
/// Deadlines need no priority queue: a task without an outcome is due a fixed time after its first span, so tasks
/// waiting for one are due in the order they arrived; a task with an outcome is due a fixed time after its last activity,
/// so moving it to the end of the settling list on every activity keeps that list in deadline order too. The sweep takes
/// due tasks off the heads of the two lists, and nothing is left behind when a deadline moves.
/// </para>
/// </remarks>
internal sealed class TaskLifecycle
{
    private readonly TimeProvider _time;
    /// <summary>The monotonic timestamp that task times count from: they are milliseconds since it.</summary>
    private readonly long _origin;
    private readonly bool _breakdowns;

    private readonly HashSet<PendingTask> _pending = new(PendingTaskIdentity.Instance);
    private readonly HashSet<PendingTask>.AlternateLookup<TraceId> _pendingById;
    private int _pendingCount;

    /// <summary>Tasks finished during the current call, handed to the pool when it ends: the second pass of an ingest may still hold one.</summary>
    private readonly List<PendingTask> _recycle = [];

    public TaskLifecycle(TaskOptions options, TimeProvider time, OutcomePolicies? policies = null)
    {
        Options = options;
        Policies = policies ?? new OutcomePolicies();
        _time = time;
        _origin = time.GetTimestamp();
        _breakdowns = options.RecentTasks > 0;
        SettleMs = options.SettleSeconds * 1000L;
        WindowMs = options.OutcomeWindowSeconds * 1000L;
        RememberMs = Math.Max(WindowMs, options.DuplicateWindowSeconds * 1000L);
        _pendingById = _pending.GetAlternateLookup<TraceId>();
        Finished = new(options.MaxFinishedRemembered);
        HeldOutcomes = new(options.MaxPending);
    }

    public TaskOptions Options { get; }
    /// <summary>The outcome policy of each use case, as the last reload left it.</summary>
    public OutcomePolicies Policies { get; }
    public long SettleMs { get; }
    public long WindowMs { get; }
    /// <summary>How long a finished task is remembered: for late outcomes and spans, and for duplicates of its spans.</summary>
    public long RememberMs { get; }

    /// <summary>Tasks without an outcome, in the order they arrived: the order of their deadlines.</summary>
    public PendingTaskList Waiting { get; } = new();
    /// <summary>Tasks with an outcome, in the order of their last activity: the order of their deadlines.</summary>
    public PendingTaskList Settling { get; } = new();
    public PendingTaskPool Pool { get; } = new();
    /// <summary>Finished tasks, remembered for late spans, late outcomes and duplicates of their spans; the oldest goes when full.</summary>
    public ExpiringMap<TraceId, FinishedTask> Finished { get; }
    /// <summary>Verdicts from the outcome API and evaluations for traces not seen yet, held for the outcome window; refused when full.</summary>
    public ExpiringMap<TraceId, HeldVerdicts> HeldOutcomes { get; }

    /// <summary>Read without the lock (a gauge): the count as of the last change.</summary>
    public int PendingCount => Volatile.Read(ref _pendingCount);

    /// <summary>
    /// Tasks first seen at or before this time may be in the state file on disk: it is when the latest checkpoint began
    /// (a checkpoint writes the tasks first seen by then), or when the tasks of the file were restored. Only those go to
    /// the journal when they finish; the many that live a few seconds and never meet a checkpoint do not.
    /// </summary>
    public long WrittenUpTo { get; set; } = long.MinValue;

    /// <summary>Monotonic milliseconds since the lifecycle was made: what every deadline is kept in.</summary>
    public long NowMs() => _time.GetElapsedTime(_origin).Ticks / TimeSpan.TicksPerMillisecond;

    public DateTimeOffset WallNow() => _time.GetUtcNow();

    public bool TryGetPending(TraceId traceId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PendingTask? task) =>
        _pendingById.TryGetValue(traceId, out task);

    public bool IsKnown(TraceId traceId) => _pendingById.Contains(traceId) || Finished.ContainsKey(traceId);

    /// <summary>The remembered finished task of <paramref name="traceId"/>, or a null reference.</summary>
    public ref FinishedTask FinishedOrNull(TraceId traceId) => ref Finished.GetValueRefOrNullRef(traceId);

    /// <summary>A new pending task for the first span of a trace, with the outcome held for it, if any; not yet scheduled.</summary>
    public PendingTask Start(TraceId traceId, long now, int spansAhead)
    {
        PendingTask task = Pool.Rent(traceId, now, spansAhead);
        Track(task);
        if (HeldOutcomes.Remove(traceId, out HeldVerdicts? held))
        {
            task.Api = held.Api;
            foreach (EvaluationVerdict evaluation in held.Evaluations ?? []) task.AddEvaluation(in evaluation);
        }
        return task;
    }

    /// <summary>What the task's signals decide now, under its use case's policy.</summary>
    public OutcomeDecision Decide(PendingTask task) => Policies.For(task.UseCase).Decide(task);

    /// <summary>Whether the task's use case's policy has its outcome decided now (<see cref="OutcomePolicy.IsDecided"/>).</summary>
    public bool IsDecided(PendingTask task) => Policies.For(task.UseCase).IsDecided(task);

    /// <summary>Counts a task as pending (a new one, or one a state file gave back); <see cref="Schedule"/> or a restore places it.</summary>
    public void Track(PendingTask task)
    {
        _pending.Add(task);
        _pendingCount++;
    }

    /// <summary>
    /// Puts a task that just had activity where its deadline belongs: a new task without an outcome at the end of the
    /// waiting list (it arrived last); a task with an outcome at the end of the settling list (its activity was last).
    /// </summary>
    public void Schedule(PendingTask task)
    {
        if (IsDecided(task))
        {
            ListOf(task)?.Remove(task);
            Settling.AddLast(task);
            task.Phase = PendingPhase.Settling;
        }
        else if (task.Phase == PendingPhase.New)
        {
            Waiting.AddLast(task);
            task.Phase = PendingPhase.Waiting;
        }
    }

    private PendingTaskList? ListOf(PendingTask task) => task.Phase switch
    {
        PendingPhase.Waiting => Waiting,
        PendingPhase.Settling => Settling,
        _ => null,
    };

    /// <summary>
    /// The task that has been pending longest: the one with the oldest first span among the longest-waiting task without
    /// an outcome and the task with an outcome that is due to settle first.
    /// </summary>
    public PendingTask? Oldest()
    {
        PendingTask? waiting = Waiting.Head, settling = Settling.Head;
        if (waiting is null) return settling;
        return settling is not null && settling.FirstSeenMs < waiting.FirstSeenMs ? settling : waiting;
    }

    /// <summary>
    /// Finishes a pending task: counts its held calls (without a root, under the use case the other spans said), makes its
    /// record, and remembers it as finished. The task object goes back to the pool when the call ends (<see cref="Recycle"/>).
    /// </summary>
    /// <param name="finishedAt">The wall clock now, for the exemplar's timestamp; read once per sweep.</param>
    public void Finish(PendingTask task, FinishReason reason, long now, DateTimeOffset finishedAt, TaskDecisions decisions)
    {
        if (!task.CallsCounted) SpanIngest.CountHeld(task, decisions);
        _pending.Remove(task);
        _pendingCount--;
        ListOf(task)?.Remove(task);
        task.Phase = PendingPhase.New;

        OutcomePolicy policy = Policies.For(task.UseCase);
        OutcomeDecision decision = policy.Decide(task);
        TaskLabels labels = task.Labels(decision);
        decisions.Finished.Add(new TaskRecord(task.TraceId, labels, task.TotalCostUsd, task.LlmCalls, task.ToolCalls,
            task.InputTokens, task.OutputTokens, finishedAt, reason, _breakdowns ? task.Breakdown(decision.Source) : null,
            decision.Source, task.Api, Judge(task.Evaluations, policy)));
        if (task.FirstSeenMs <= WrittenUpTo) decisions.ToJournal.Add(task.TraceId);

        Remember(task.TraceId, labels, task.Spans, now);
        task.Spans = default; // the table went with the finished task
        _recycle.Add(task);
    }

    /// <summary>The task's evaluations as passed or failed under <paramref name="policy"/>; null without any.</summary>
    private static EvaluationOutcome[]? Judge(List<EvaluationVerdict>? evaluations, OutcomePolicy policy)
    {
        if (evaluations is not { Count: > 0 }) return null;
        var judged = new EvaluationOutcome[evaluations.Count];
        for (int i = 0; i < judged.Length; i++)
        {
            EvaluationVerdict evaluation = evaluations[i];
            judged[i] = new EvaluationOutcome(evaluation.Name, policy.Passes(in evaluation), evaluation.Score);
        }
        return judged;
    }

    /// <summary>Remembers a finished task, with its span table, for late spans, late outcomes and duplicates.</summary>
    public void Remember(TraceId traceId, TaskLabels labels, SpanTable spans, long now)
    {
        if (Finished.IsFull && Finished.TryTakeOldest(out _, out FinishedTask oldest)) Pool.ReturnTable(in oldest.Spans);
        if (Finished.Set(traceId, new FinishedTask(labels, spans), now + RememberMs, out FinishedTask replaced))
            Pool.ReturnTable(in replaced.Spans);
    }

    /// <summary>Forgets finished tasks whose time to be remembered is over, handing their span tables back to the pool.</summary>
    public void ForgetFinished(long now)
    {
        while (Finished.TryTakeExpired(now, out _, out FinishedTask forgotten)) Pool.ReturnTable(in forgotten.Spans);
    }

    /// <summary>Hands the tasks finished during this call back to the pool; at the end of every call that may finish one.</summary>
    public void Recycle()
    {
        foreach (PendingTask task in _recycle) Pool.Return(task);
        _recycle.Clear();
    }
}
