namespace CpstExporter.Exposition;

/// <summary>
/// One rendering of the exposition in one format, shared by the scrapes that ask for that format while it is being
/// written or sent (<see cref="MetricsEndpoint"/>); its buffer goes back to the pool when the last of them has sent it.
/// </summary>
internal sealed class SharedRendering(ExpositionFormat format, ExpositionBuffer buffer, long startedAt)
{
    private readonly TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ExpositionFormat Format { get; } = format;
    public ExpositionBuffer Buffer { get; } = buffer;

    /// <summary>When its values began to be read (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>).</summary>
    public long StartedAt { get; } = startedAt;

    /// <summary>The scrapes holding it; changed only under the endpoint's lock.</summary>
    public int Readers { get; set; } = 1;

    /// <summary>Completes when the rendering is written, or fails with what stopped it.</summary>
    public Task Written => _written.Task;

    public void Complete() => _written.TrySetResult();

    public void Fail(Exception e) => _written.TrySetException(e);
}
