namespace CpstExporter.Receiving;

/// <summary>
/// A bounded number of received write requests being processed (<see cref="ReceiverOptions.MaxConcurrentExports"/>).
/// A request enters once it was received whole; one that cannot enter is refused at once and told to retry after
/// <see cref="RetryAfter"/>; a request that entered is processed to the end. Refusing instead of queueing bounds the
/// work in flight and turns overload into the OTLP clients' retry instead of silent loss. On shutdown the gate is
/// <see cref="Close">closed</see>: every later request is refused the same way, and <see cref="WaitIdleAsync"/> tells
/// when the ones already in have finished.
/// </summary>
internal sealed class ExportGate(ReceiverOptions options)
{
    /// <summary>The delay a refused client is asked to wait (RetryInfo, Retry-After).</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private int _closed;

    public int Capacity { get; } = options.MaxConcurrentExports;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>True once shutdown has begun: nothing enters any more.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public bool TryEnter()
    {
        // Increment, then read the flag; Close sets the flag, then reads the count. Both are full fences, so either this
        // request sees the gate closed, or Close sees it in flight and waits for its Exit.
        if (Interlocked.Increment(ref _inFlight) <= Capacity && !IsClosed) return true;
        Exit();
        return false;
    }

    public void Exit()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && IsClosed) _idle.TrySetResult();
    }

    /// <summary>Refuses every request from now on.</summary>
    public void Close()
    {
        Interlocked.Exchange(ref _closed, 1);
        if (InFlight == 0) _idle.TrySetResult();
    }

    /// <summary>After <see cref="Close"/>: true once no admitted request is being processed, false if some still are after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitIdleAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _idle.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            return InFlight == 0;
        }
    }
}
