using System.Net;

namespace CpstExporter.Tests.Support;

/// <summary>
/// A request body sent in two parts: the first at once, the rest only when the test calls <see cref="Release"/>. Lets a
/// test hold a request in flight on the server, or show that the server answered before reading the body.
/// </summary>
internal sealed class HeldContent(byte[] body, int firstPart) : HttpContent
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstPartSent = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first part was sent.</summary>
    public Task FirstPartSent => _firstPartSent.Task;

    public void Release() => _released.TrySetResult();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync(body.AsMemory(0, firstPart));
        await stream.FlushAsync();
        _firstPartSent.TrySetResult();
        await _released.Task;
        await stream.WriteAsync(body.AsMemory(firstPart));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false; // chunked on HTTP/1.1, so the server cannot know the body is incomplete from its length
    }
}
