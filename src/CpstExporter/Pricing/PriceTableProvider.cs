using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Pricing;

/// <summary>
/// Holds the live <see cref="PriceTable"/> and reloads it when the file changes. Polls the file's timestamp and
/// size instead of relying on file-system events, which bind mounts and Kubernetes ConfigMap symlink swaps do not
/// deliver reliably. A file that fails to load leaves the last good table in place and is logged with the reason.
/// </summary>
internal sealed partial class PriceTableProvider : BackgroundService
{
    private readonly string _path;
    private readonly PricingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PriceTableProvider> _logger;
    private (DateTime WriteTime, long Length) _seen;
    private long _reloadFailures;

    public PriceTableProvider(PricingOptions options, TimeProvider time, ILogger<PriceTableProvider> logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _path = options.ResolvePath();
        _seen = Stamp();
        Current = PriceTableLoader.Load(_path); // a broken file at start-up is a configuration error: fail fast
        LogLoaded(_path, Current.Models.Count, Current.ToolCount, Current.Version);
    }

    /// <summary>For tests and tools: a provider over a fixed table, with no file behind it.</summary>
    public PriceTableProvider(PriceTable table, ILogger<PriceTableProvider> logger)
    {
        _options = new PricingOptions();
        _time = TimeProvider.System;
        _logger = logger;
        _path = "";
        Current = table;
    }

    public PriceTable Current { get; private set; }
    public long ReloadFailures => Interlocked.Read(ref _reloadFailures);

    /// <summary>Reloads if the file changed since the last look; returns true when a new table went live.</summary>
    public bool CheckForChanges()
    {
        if (_path.Length == 0) return false;
        var stamp = Stamp();
        if (stamp == _seen) return false;
        _seen = stamp;
        try
        {
            PriceTable table = PriceTableLoader.Load(_path);
            if (table.Version == Current.Version) return false;
            Current = table;
            LogReloaded(_path, table.Models.Count, table.ToolCount, table.Version);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A price table parser error, or anything else the file provokes: the table in force stays, the loop runs on.
            Interlocked.Increment(ref _reloadFailures);
            LogReloadFailed(e is PriceTableException ? e.Message : $"{_path}: {e.GetType().Name}: {e.Message}", Current.Version);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.ReloadInterval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) CheckForChanges();
    }

    private (DateTime, long) Stamp()
    {
        var info = new FileInfo(_path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Loaded price table {Path}: {Models} models, {Tools} tools, version {Version}")]
    private partial void LogLoaded(string path, int models, int tools, string version);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Reloaded price table {Path}: {Models} models, {Tools} tools, version {Version}")]
    private partial void LogReloaded(string path, int models, int tools, string version);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Price table not reloaded, keeping version {Version}: {Reason}")]
    private partial void LogReloadFailed(string reason, string version);
}
