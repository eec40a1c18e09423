using System.Diagnostics;

namespace CpstExporter.LoadGen.Bench;

/// <summary>
/// Closed-loop load: each connection sends its next request as soon as the previous one is answered, so the exporter
/// runs as fast as it can. Every request carries new trace ids. Latencies are kept only while <see cref="Recording"/>.
/// </summary>
internal sealed class ExportLoad : IAsyncDisposable
{
    private const int Unavailable = 14, ResourceExhausted = 8;

    private readonly IReadOnlyList<PayloadTemplate> _templates;
    private readonly GrpcExportClient[] _clients;
    private readonly List<double>[] _latencies;
    private readonly CancellationTokenSource _stop = new();
    private readonly ulong _nonce = (ulong)Random.Shared.NextInt64() & 0x7FFF_FFFF_FFFF_0000;
    private readonly long _maxRequests;
    private CancellationTokenSource? _linked;
    private Task[] _loops = [];
    private long _requests, _spans, _failures;
    private volatile bool _recording;

    /// <param name="maxRequests">Stop after this many requests in all; long.MaxValue to run until stopped.</param>
    public ExportLoad(Uri endpoint, int connections, IReadOnlyList<PayloadTemplate> templates, long maxRequests = long.MaxValue)
    {
        _templates = templates;
        _maxRequests = maxRequests;
        _clients = Enumerable.Range(0, connections).Select(_ => new GrpcExportClient(endpoint)).ToArray();
        _latencies = Enumerable.Range(0, connections).Select(_ => new List<double>(1 << 16)).ToArray();
    }

    public bool Recording { get => _recording; set => _recording = value; }
    public long Requests => Interlocked.Read(ref _requests);
    public long Spans => Interlocked.Read(ref _spans);
    public long Failures => Interlocked.Read(ref _failures);
    public string? LastFailure { get; private set; }

    /// <summary>Latencies recorded while <see cref="Recording"/>, ms. Read after <see cref="StopAsync"/>.</summary>
    public IReadOnlyCollection<double> Latencies => _latencies.SelectMany(l => l).ToArray();

    /// <summary>Completes when every connection has stopped (the request limit reached, or stopped).</summary>
    public Task Completion => Task.WhenAll(_loops);

    public void Start(CancellationToken cancel)
    {
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, _stop.Token);
        CancellationToken token = _linked.Token;
        _loops = _clients.Select((client, i) => Task.Run(() => LoopAsync(client, i, token))).ToArray();
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task LoopAsync(GrpcExportClient client, int connection, CancellationToken cancel)
    {
        byte[][] frames = _templates.Select(t => t.NewFrame()).ToArray();
        ulong high = _nonce + (ulong)connection, sequence = 0;
        List<double> latencies = _latencies[connection];
        for (int n = connection; !cancel.IsCancellationRequested; n++)
        {
            if (Interlocked.Increment(ref _requests) > _maxRequests)
            {
                Interlocked.Decrement(ref _requests);
                return;
            }
            int k = n % _templates.Count;
            _templates[k].Stamp(frames[k], high, ref sequence);
            long start = Stopwatch.GetTimestamp();
            (int status, string? message) = await client.ExportAsync(frames[k], cancel).ConfigureAwait(false);
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (status == 0)
            {
                Interlocked.Add(ref _spans, _templates[k].Spans);
                if (_recording) latencies.Add(ms);
                continue;
            }
            Interlocked.Increment(ref _failures);
            LastFailure = $"gRPC status {status}: {message}";
            // An overloaded exporter asks clients to back off; do so briefly rather than hammer it.
            if (status is Unavailable or ResourceExhausted) await Task.Delay(20, cancel).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        foreach (GrpcExportClient client in _clients) client.Dispose();
        _stop.Dispose();
        _linked?.Dispose();
    }
}
