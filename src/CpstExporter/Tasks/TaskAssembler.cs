using System.Buffers;
using CpstExporter.Conventions;
using CpstExporter.Pricing;
using CpstExporter.Receiving;

namespace CpstExporter.Tasks;

/// <summary>
/// Groups spans into tasks by trace id and decides when each task is finished (DESIGN.md §5), in
/// <see cref="TaskPartition"/>s by trace id, each with its own lock: concurrent export requests mostly work on different
/// partitions instead of queueing for one lock. A trace always lands in the same partition, so each task is whole in
/// one. The limits (<see cref="TaskOptions.MaxPending"/>, finished tasks remembered, held outcomes) are shared out.
/// </summary>
internal sealed class TaskAssembler
{
    /// <summary>Partitions of the service: enough that two requests rarely want the same one at the same moment.</summary>
    public const int DefaultPartitions = 16;

    private readonly TaskPartition[] _partitions;
    private readonly PendingBudget _budget;
    private readonly int _shift;

    public TaskAssembler(TaskOptions options, ITaskSink sink, TimeProvider time, int partitions = DefaultPartitions)
    {
        if (partitions < 1 || (partitions & (partitions - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(partitions), "a power of two");
        _budget = new PendingBudget(options.MaxPending);
        _partitions = Enumerable.Range(0, partitions).Select(_ => new TaskPartition(options, sink, time, _budget, partitions)).ToArray();
        _shift = 64 - int.Log2(partitions);
    }

    public int PendingCount => _budget.Pending;

    /// <summary>Tasks finished early because <see cref="TaskOptions.MaxPending"/> was reached.</summary>
    public long EvictedCount => _partitions.Sum(p => p.EvictedCount);

    /// <summary>
    /// Adds the spans of one export request, each with the price the pricing stage gave it: each partition takes its
    /// spans in one go, in their order in the request.
    /// </summary>
    public void Add(ReadOnlySpan<SpanFacts> spans, ReadOnlySpan<CallPrice> prices)
    {
        if (_partitions.Length == 1)
        {
            _partitions[0].Add(spans, prices);
            return;
        }
        // A stable counting sort of the request by partition, so each partition's spans are one run.
        int n = spans.Length;
        Span<int> starts = stackalloc int[_partitions.Length + 1];
        int[] partitionOf = ArrayPool<int>.Shared.Rent(n);
        SpanFacts[] sorted = ArrayPool<SpanFacts>.Shared.Rent(n);
        CallPrice[] sortedPrices = ArrayPool<CallPrice>.Shared.Rent(n);
        try
        {
            for (int i = 0; i < n; i++) starts[(partitionOf[i] = IndexOf(spans[i].TraceId)) + 1]++;
            for (int p = 1; p < starts.Length; p++) starts[p] += starts[p - 1];
            Span<int> next = stackalloc int[_partitions.Length];
            starts[..^1].CopyTo(next);
            for (int i = 0; i < n; i++)
            {
                int at = next[partitionOf[i]]++;
                sorted[at] = spans[i];
                sortedPrices[at] = prices[i];
            }
            for (int p = 0; p < _partitions.Length; p++)
            {
                int start = starts[p], count = starts[p + 1] - start;
                if (count > 0) _partitions[p].Add(sorted.AsSpan(start, count), sortedPrices.AsSpan(start, count));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(partitionOf);
            ArrayPool<SpanFacts>.Shared.Return(sorted, clearArray: true);
            ArrayPool<CallPrice>.Shared.Return(sortedPrices);
        }
    }

    /// <summary>Applies an outcome from the outcome API.</summary>
    public OutcomeApplied ApplyOutcome(TraceId traceId, Outcome outcome) => Of(traceId).ApplyOutcome(traceId, outcome);

    /// <summary>Finishes every task whose deadline has passed and forgets expired state; returns how many finished.</summary>
    public int Sweep()
    {
        int finished = 0;
        foreach (TaskPartition partition in _partitions) finished += partition.Sweep();
        return finished;
    }

    /// <summary>Everything pending, for the state file: each partition's tasks as of the moment it was read.</summary>
    public TaskStateSnapshot Snapshot()
    {
        var tasks = new List<PendingTaskState>(PendingCount);
        var held = new List<HeldOutcomeState>();
        foreach (TaskPartition partition in _partitions)
        {
            TaskStateSnapshot part = partition.Snapshot();
            tasks.AddRange(part.Tasks);
            held.AddRange(part.HeldOutcomes);
        }
        return new TaskStateSnapshot(TaskStateSnapshot.CurrentVersion, tasks, held);
    }

    /// <summary>Takes back tasks and held outcomes from the state file, each into its trace's partition.</summary>
    public void Restore(TaskStateSnapshot snapshot)
    {
        var tasks = _partitions.Select(_ => new List<PendingTaskState>()).ToArray();
        var held = _partitions.Select(_ => new List<HeldOutcomeState>()).ToArray();
        foreach (PendingTaskState? task in snapshot.Tasks ?? [])
            if (task?.TraceId is not null && TraceId.TryParseHex(task.TraceId, out TraceId id)) tasks[IndexOf(id)].Add(task);
        foreach (HeldOutcomeState? outcome in snapshot.HeldOutcomes ?? [])
            if (outcome?.TraceId is not null && TraceId.TryParseHex(outcome.TraceId, out TraceId id)) held[IndexOf(id)].Add(outcome);
        for (int p = 0; p < _partitions.Length; p++)
            _partitions[p].Restore(new TaskStateSnapshot(snapshot.Version, tasks[p], held[p]));
    }

    private TaskPartition Of(TraceId id) => _partitions[IndexOf(id)];

    // Trace ids are random, but a mix keeps made-up ones (counters in tests and load generators) spread out too.
    private int IndexOf(TraceId id) => _partitions.Length == 1 ? 0 : (int)((id.High ^ id.Low) * 0x9E3779B97F4A7C15UL >> _shift);
}
