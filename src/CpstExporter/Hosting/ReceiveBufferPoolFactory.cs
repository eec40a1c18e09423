using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace CpstExporter.Hosting;

/// <summary>
/// Gives Kestrel's socket transport a <see cref="ReceiveBufferPool"/> for each address it listens on, in place of its
/// pool of 4 KiB blocks. Registered in the services before the host is built; Kestrel resolves the factory from them.
/// </summary>
internal sealed class ReceiveBufferPoolFactory : IMemoryPoolFactory<byte>
{
    private readonly List<ReceiveBufferPool> _pools = [];

    /// <summary>Blocks rented by every pool this factory created.</summary>
    public long Rented
    {
        get
        {
            lock (_pools) return _pools.Sum(pool => pool.Rented);
        }
    }

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new ReceiveBufferPool();
        lock (_pools) _pools.Add(pool);
        return pool;
    }
}
