using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Primitives;

using CpstExporter.Tasks.State;

namespace CpstExporter.Tasks;

/// <summary>
/// The task stage's entry points: groups spans into tasks by trace id and decides when each task is finished
/// (docs/design.md, "Task lifecycle"): a task with an outcome settles <see cref="TaskOptions.SettleSeconds"/> after its
/// last span or outcome; one without waits up to <see cref="TaskOptions.OutcomeWindowSeconds"/> from its first span.
/// Finished tasks are remembered for the outcome window so that late spans still add their cost under the task's labels
/// and late outcomes are counted. Every call returns what it decided (<see cref="TaskDecisions"/>, <see cref="OutcomeApplied"/>)
/// and sends nothing anywhere: the caller hands it on once the lock is released.
/// </summary>
/// <remarks>
/// <b>The lock.</b> One lock guards all state and is taken here and nowhere else: once per export request (not per span),
/// once per outcome, once per sweep batch of at most <see cref="SweepBatch"/> tasks, once per checkpoint chunk of at most
/// <see cref="TaskCheckpoint.Chunk"/> tasks, and once for a restore. Each job runs whole under it and does nothing slow:
/// no I/O, no recording into the metrics (its caller does that with the decisions, after), no wait for another lock.
/// A checkpoint holds a second lock (<c>_checkpointing</c>) for its whole walk, always taken before the task lock, so
/// one checkpoint runs at a time and never waits while holding the task lock.
/// <para>
/// The jobs: <see cref="SpanIngest"/> adds spans, <see cref="OutcomeIntake"/> applies API outcomes, <see cref="TaskSweep"/>
/// finishes due tasks and evicts at the limit, <see cref="TaskCheckpoint"/> walks tasks for the state file and takes them
/// back; all move tasks through <see cref="TaskLifecycle"/>.
/// </para>
/// </remarks>
internal sealed class TaskAssembler
{
    /// <summary>Tasks finished per hold of the task lock, so that export requests wait at most that long for a sweep.</summary>
    public const int SweepBatch = 1024;

    private readonly Lock _lock = new();
    /// <summary>One checkpoint at a time: the walk's places are in the two lists.</summary>
    private readonly Lock _checkpointing = new();
    private readonly TaskLifecycle _tasks;
    private readonly SpanIngest _ingest;
    private readonly OutcomeIntake _outcomes;
    private readonly TaskSweep _sweep;
    private readonly TaskCheckpoint _checkpoint;
    /// <summary>Decisions with counted calls handed out under the lock and not yet <see cref="Recorded"/>.</summary>
    private int _awaitingRecording;

    /// <summary>
    /// How long a checkpoint waits, under the task lock, for counted calls decided before it to be recorded by the
    /// stages that keep them across restarts. Recording them is the first thing the delivery does, with no I/O but a
    /// journal append, so the wait is microseconds; the bound is for a delivery that failed without saying so.
    /// </summary>
    private static readonly TimeSpan RecordingWait = TimeSpan.FromMilliseconds(250);

    /// <param name="policies">The outcome policy of each use case, which the use case settings' reload replaces; none: the default for all.</param>
    public TaskAssembler(TaskOptions options, TimeProvider time, OutcomePolicies? policies = null)
    {
        _tasks = new TaskLifecycle(options, time, policies);
        _sweep = new TaskSweep(_tasks);
        _ingest = new SpanIngest(_tasks, _sweep);
        _outcomes = new OutcomeIntake(_tasks);
        _checkpoint = new TaskCheckpoint(_tasks);
    }

    public TaskOptions Options => _tasks.Options;

    /// <summary>Tasks pending now; read without the lock (a gauge).</summary>
    public int PendingCount => _tasks.PendingCount;

    /// <summary>Outcomes held for traces not seen yet, as places in the expiry queue (for tests of its bound).</summary>
    internal int HeldOutcomeEntries
    {
        get
        {
            lock (_lock) return _tasks.HeldOutcomes.QueuedExpiries;
        }
    }

    /// <summary>
    /// Adds the spans of one export request, each with the price the pricing stage gave it. Into <paramref name="decisions"/>
    /// go the calls that count, the tasks finished early to make room, the spans of finished tasks, and the spans refused
    /// (<see cref="TaskDecisions.RefusedSpans"/>) because they would have started a task after the request had used up
    /// its <see cref="TaskOptions.MaxEvictionsPerRequest"/>, which the caller reports as rejected.
    /// </summary>
    public void Add(ReadOnlySpan<SpanFacts> spans, ReadOnlySpan<CallPrice> prices, TaskDecisions decisions)
    {
        lock (_lock)
        {
            try
            {
                _ingest.Add(spans, prices, decisions);
            }
            finally
            {
                _tasks.Recycle();
                HandOut(decisions);
            }
        }
    }

    /// <summary>Applies an outcome from the outcome API; the caller counts a late or dropped one.</summary>
    public OutcomeApplied ApplyOutcome(TraceId traceId, Outcome outcome)
    {
        lock (_lock) return _outcomes.Apply(traceId, outcome);
    }

    /// <summary>
    /// Applies an outcome from the outcome API given by <paramref name="source"/> (<c>api</c>, <c>human</c>, … checked by
    /// <see cref="OutcomeSourceWord"/>), with its <paramref name="reason"/>; the caller counts a late or dropped one.
    /// </summary>
    public OutcomeApplied ApplyOutcome(TraceId traceId, Outcome outcome, string source, string? reason)
    {
        lock (_lock) return _outcomes.Apply(traceId, outcome, source, reason);
    }

    /// <summary>
    /// Applies evaluation verdicts, each to the task of its trace (docs/operations.md, "How success is decided"): held for a trace
    /// not seen yet, like an outcome from the API. Into <paramref name="decisions"/> go those that came after their task
    /// finished (<see cref="TaskDecisions.LateOutcomes"/>) and those dropped (<see cref="TaskDecisions.DroppedOutcomes"/>):
    /// the holding area was full, or the task already keeps <see cref="OutcomePolicy.MaxEvaluationsPerTask"/>.
    /// They are counted in <c>cpst_evaluations_total</c> when their task finishes, its use case then final.
    /// </summary>
    public void ApplyEvaluations(ReadOnlySpan<EvaluationResult> evaluations, TaskDecisions decisions)
    {
        lock (_lock)
        {
            _outcomes.ApplyEvaluations(evaluations, decisions);
            HandOut(decisions);
        }
    }

    /// <summary>Under the lock: counts decisions whose counted calls are still to be recorded (<see cref="TaskDecisions.AwaitsRecording"/>).</summary>
    private void HandOut(TaskDecisions decisions)
    {
        if (decisions.Counted.Count == 0 || decisions.AwaitsRecording) return;
        decisions.AwaitsRecording = true;
        Interlocked.Increment(ref _awaitingRecording);
    }

    /// <summary>
    /// The counted calls of <paramref name="decisions"/> are recorded by every stage that keeps them across restarts; a
    /// checkpoint waiting for them may take the state file's sections. Called by the delivery; more than once is harmless.
    /// </summary>
    public void Recorded(TaskDecisions decisions)
    {
        if (!decisions.AwaitsRecording) return;
        decisions.AwaitsRecording = false;
        Interlocked.Decrement(ref _awaitingRecording);
    }

    /// <summary>
    /// Finishes up to <see cref="SweepBatch"/> tasks whose deadline has passed, into <paramref name="decisions"/>, and
    /// forgets expired state once none is left due. True when more tasks are due: the caller hands these decisions on
    /// and calls again, so that export requests get the lock between batches.
    /// </summary>
    public bool Sweep(TaskDecisions decisions)
    {
        long now = _tasks.NowMs();
        DateTimeOffset wallNow = _tasks.WallNow();
        lock (_lock)
        {
            try
            {
                return _sweep.FinishDue(now, wallNow, SweepBatch, decisions) == SweepBatch;
            }
            finally
            {
                _tasks.Recycle();
                HandOut(decisions);
            }
        }
    }

    /// <summary>
    /// Writes the state file's content to <paramref name="output"/>: every pending task and held outcome, as JSON
    /// (<see cref="TaskStateWriter"/>), with times as wall-clock Unix milliseconds. The task lock is held for one chunk
    /// of tasks at a time, each chunk written to <paramref name="output"/> after the lock is released, so neither the
    /// whole state nor a copy of it is ever in memory and an export waits at most one chunk. <paramref name="atStart"/>
    /// runs under the task lock as the checkpoint begins (the journal of finished tasks moves to a new segment there).
    /// The <paramref name="sections"/> of later stages are taken under the task lock as the walk ends, once the calls
    /// counted before are recorded (<see cref="IStateSection"/>), and written after the tasks; the caller tells each
    /// content once the file is saved (<see cref="IStateSectionContent.Saved"/>) through <paramref name="captured"/>.
    /// </summary>
    public (int Tasks, int HeldOutcomes) WriteState(Stream output, long? journalSegment = null, Action? atStart = null,
        IReadOnlyList<IStateSection>? sections = null, List<IStateSectionContent>? captured = null)
    {
        lock (_checkpointing)
        {
            long savedAt, toWallMs;
            List<(TraceId Id, HeldVerdicts Held, long ExpiresMs)> held;
            lock (_lock)
            {
                atStart?.Invoke();
                (savedAt, toWallMs, held) = _checkpoint.Begin();
            }
            using var writer = new TaskStateWriter(output, toWallMs);
            int tasks = 0;
            try
            {
                writer.WriteStart(savedAt, journalSegment, held);
                bool more = true;
                var contents = new List<(string, IStateSectionContent)>(sections?.Count ?? 0);
                while (more)
                {
                    lock (_lock)
                    {
                        more = _checkpoint.WriteChunk(writer, ref tasks);
                        if (!more && sections is { Count: > 0 }) Capture(sections, contents);
                    }
                    writer.Drain();
                }
                writer.WriteEnd(contents);
                foreach (var (_, content) in contents) captured?.Add(content);
            }
            finally
            {
                lock (_lock) _checkpoint.ResetWalk();
            }
            return (tasks, held.Count);
        }
    }

    /// <summary>
    /// Under the lock, the walk ended: waits (bounded by <see cref="RecordingWait"/>) until the counted calls of every
    /// decision handed out before are recorded, then takes each section's content. No call can be counted meanwhile:
    /// the lock is held.
    /// </summary>
    private void Capture(IReadOnlyList<IStateSection> sections, List<(string, IStateSectionContent)> contents)
    {
        if (Volatile.Read(ref _awaitingRecording) > 0)
            SpinWait.SpinUntil(() => Volatile.Read(ref _awaitingRecording) <= 0, RecordingWait);
        foreach (IStateSection section in sections) contents.Add((section.Name, section.Capture()));
    }

    /// <summary>The stage's monotonic now and the wall clock's, for reading a state file.</summary>
    public (long NowMs, long WallNowMs) Clock() => (_tasks.NowMs(), _tasks.WallNow().ToUnixTimeMilliseconds());

    /// <inheritdoc cref="TaskCheckpoint.Restore"/>
    public (int Restored, int Finished) Restore(LoadedState state, IReadOnlySet<TraceId> finished)
    {
        lock (_lock) return _checkpoint.Restore(state, finished);
    }
}
