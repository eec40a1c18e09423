using System.Net;

namespace CpstExporter.Tests.Support;

/// <summary>
/// A request body uploaded slowly: a few bytes at a time, fast enough for Kestrel's minimum data rate (240 bytes a
/// second), never finishing until the test calls <see cref="Release"/>; then the rest at once. A slow client on a
/// poor link, or a hostile one that holds requests open.
/// </summary>
internal sealed class TrickleContent(byte[] body, int bytesPerTick = 64, int tickMilliseconds = 100) : HttpContent
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first bytes were sent.</summary>
    public Task Started => _started.Task;

    public void Release() => _released.TrySetResult();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        int sent = 0;
        // Keep the last byte back: the body is not complete until released, however long the test takes.
        while (!_released.Task.IsCompleted && sent < body.Length - 1)
        {
            int size = Math.Min(bytesPerTick, body.Length - 1 - sent);
            await stream.WriteAsync(body.AsMemory(sent, size));
            await stream.FlushAsync();
            sent += size;
            _started.TrySetResult();
            await Task.WhenAny(_released.Task, Task.Delay(tickMilliseconds));
        }
        _started.TrySetResult();
        await _released.Task;
        await stream.WriteAsync(body.AsMemory(sent));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
