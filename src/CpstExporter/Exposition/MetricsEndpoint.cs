using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.ObjectPool;

namespace CpstExporter.Exposition;

/// <summary><c>GET /metrics</c>: text 0.0.4 unless the Accept header asks for OpenMetrics. Buffers are pooled, so scrapes reuse memory.</summary>
internal sealed class MetricsEndpoint(MetricsWriter writer)
{
    private readonly ObjectPool<ExpositionBuffer> _buffers =
        new DefaultObjectPool<ExpositionBuffer>(new BufferPolicy(), maximumRetained: 4);

    public async Task HandleAsync(HttpContext context)
    {
        ExpositionFormat format = ExpositionFormatNegotiation.Negotiate(context.Request.Headers.Accept);
        ExpositionBuffer buffer = _buffers.Get();
        try
        {
            buffer.Reset();
            writer.Write(buffer, format);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = format.ContentType();
            context.Response.ContentLength = buffer.Length;
            await context.Response.Body.WriteAsync(buffer.Written, context.RequestAborted);
        }
        finally
        {
            _buffers.Return(buffer);
        }
    }

    private sealed class BufferPolicy : PooledObjectPolicy<ExpositionBuffer>
    {
        public override ExpositionBuffer Create() => new();
        public override bool Return(ExpositionBuffer obj) => true;
    }
}
