namespace CpstExporter.Receiving;

/// <summary>
/// A bounded number of received write requests being processed (<see cref="ReceiverOptions.MaxConcurrentExports"/>).
/// A request enters once it was received whole; one that cannot enter is refused at once and told to retry after
/// <see cref="RetryAfter"/>; a request that entered is processed to the end. Refusing instead of queueing bounds the
/// work in flight and turns overload into the OTLP clients' retry instead of silent loss.
/// </summary>
internal sealed class ExportGate(ReceiverOptions options)
{
    /// <summary>The delay a refused client is asked to wait (RetryInfo, Retry-After).</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private int _inFlight;

    public int Capacity { get; } = options.MaxConcurrentExports;

    public int InFlight => Volatile.Read(ref _inFlight);

    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _inFlight) <= Capacity) return true;
        Interlocked.Decrement(ref _inFlight);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);
}
