using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.ObjectPool;

namespace CpstExporter.Exposition;

/// <summary>
/// <c>GET /metrics</c>: text 0.0.4 unless the Accept header asks for OpenMetrics or the protobuf format. However many scrape at once, memory
/// holds a few renderings, not one per scrape (docs/design.md): a scrape that arrives while a rendering of its format is
/// being written or sent, and less than <see cref="ShareFor"/> after that rendering began, is answered with it; and a
/// rendering is sent in chunks of <see cref="ChunkBytes"/>, each once the client has taken the one before, so the
/// response holds no copy of it. Buffers are pooled, so scrapes reuse memory.
/// </summary>
internal sealed class MetricsEndpoint
{
    /// <summary>
    /// How long after its values were read a rendering may still answer a scrape that arrives while it is in use. Real
    /// time, not the service's clock: it bounds how stale a shared answer is, and the requests in flight live in real time.
    /// </summary>
    public static readonly TimeSpan ShareFor = TimeSpan.FromSeconds(1);

    /// <summary>What one write puts into the response; Kestrel holds it until the client reads it.</summary>
    public const int ChunkBytes = 64 * 1024;

    private readonly MetricsWriter _writer;
    private readonly ObjectPool<ExpositionBuffer> _buffers;

    /// <summary>The length of the last rendering: a new buffer starts a quarter larger, instead of doubling its way there.</summary>
    private int _lastLength;

    public MetricsEndpoint(MetricsWriter writer)
    {
        _writer = writer;
        _buffers = new DefaultObjectPool<ExpositionBuffer>(new BufferPolicy(this), maximumRetained: 4);
    }

    private readonly Lock _lock = new();

    /// <summary>The latest rendering, by <see cref="ExpositionFormat"/>, while a scrape holds it.</summary>
    private readonly SharedRendering?[] _latest = new SharedRendering?[Enum.GetValues<ExpositionFormat>().Length];

    public async Task HandleAsync(HttpContext context)
    {
        ExpositionFormat format = ExpositionFormatNegotiation.Negotiate(context.Request.Headers.Accept);
        SharedRendering rendering = await RenderAsync(format).ConfigureAwait(false);
        try
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = format.ContentType();
            context.Response.ContentLength = rendering.Buffer.Length;
            ReadOnlyMemory<byte> rest = rendering.Buffer.Written;
            while (!rest.IsEmpty)
            {
                int chunk = Math.Min(rest.Length, ChunkBytes);
                await context.Response.Body.WriteAsync(rest[..chunk], context.RequestAborted).ConfigureAwait(false);
                rest = rest[chunk..];
            }
        }
        finally
        {
            Release(rendering);
        }
    }

    /// <summary>Joins the latest rendering of <paramref name="format"/> while it is in use and young enough, or writes a new one.</summary>
    private async ValueTask<SharedRendering> RenderAsync(ExpositionFormat format)
    {
        SharedRendering rendering;
        bool joins;
        lock (_lock)
        {
            SharedRendering? latest = _latest[(int)format];
            joins = latest is not null && Stopwatch.GetElapsedTime(latest.StartedAt) < ShareFor;
            if (joins) latest!.Readers++;
            else _latest[(int)format] = latest = new SharedRendering(format, _buffers.Get(), Stopwatch.GetTimestamp());
            rendering = latest;
        }
        if (joins)
        {
            try
            {
                await rendering.Written.ConfigureAwait(false);
            }
            catch
            {
                Release(rendering);
                throw;
            }
            return rendering;
        }

        try
        {
            rendering.Buffer.Reset();
            _writer.Write(rendering.Buffer, format);
            Volatile.Write(ref _lastLength, rendering.Buffer.Length);
        }
        catch (Exception e)
        {
            lock (_lock)
                if (_latest[(int)format] == rendering) _latest[(int)format] = null; // no later scrape joins a failed rendering
            rendering.Fail(e);
            Release(rendering);
            throw;
        }
        rendering.Complete();
        return rendering;
    }

    /// <summary>The last scrape to let go of a rendering returns its buffer, and no later scrape joins it.</summary>
    private void Release(SharedRendering rendering)
    {
        lock (_lock)
        {
            if (--rendering.Readers > 0) return;
            if (_latest[(int)rendering.Format] == rendering) _latest[(int)rendering.Format] = null;
        }
        _buffers.Return(rendering.Buffer);
    }

    private sealed class BufferPolicy(MetricsEndpoint endpoint) : PooledObjectPolicy<ExpositionBuffer>
    {
        public override ExpositionBuffer Create()
        {
            int last = Volatile.Read(ref endpoint._lastLength);
            return last == 0 ? new() : new(last + last / 4);
        }

        public override bool Return(ExpositionBuffer obj) => true;
    }
}
