using System.Diagnostics;
using CpstExporter.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Pricing;

/// <summary>
/// Holds the live <see cref="PriceTable"/> and reloads it when the file changes. Polls the file's timestamp and
/// size instead of relying on file-system events, which bind mounts and Kubernetes ConfigMap symlink swaps do not
/// deliver reliably; a symbolic link is followed to the file it leads to. A file that fails to load leaves the last
/// good table in place and is logged with the reason.
/// </summary>
internal sealed partial class PriceTableProvider : BackgroundService
{
    private readonly string _path;
    private readonly PricingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PriceTableProvider> _logger;
    private readonly CpstTelemetry? _telemetry;
    private (string File, DateTime WriteTime, long Length) _seen;
    private long _reloadFailures;

    /// <param name="telemetry">Present when the exporter sends its own telemetry: a changed file is then a <c>cpst.reload</c> span.</param>
    public PriceTableProvider(PricingOptions options, TimeProvider time, ILogger<PriceTableProvider> logger, CpstTelemetry? telemetry = null)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _telemetry = telemetry;
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

    private const string Config = "pricing";

    public PriceTable Current { get; private set; }
    public long ReloadFailures => Interlocked.Read(ref _reloadFailures);

    /// <summary>Reloads if the file changed since the last look; returns true when a new table went live.</summary>
    public bool CheckForChanges()
    {
        if (_path.Length == 0) return false;
        var stamp = Stamp();
        if (stamp == _seen) return false;
        _seen = stamp;
        using Activity? activity = _telemetry?.StartReload(Config);
        try
        {
            PriceTable table = PriceTableLoader.Load(_path);
            if (table.Version == Current.Version)
            {
                _telemetry?.Reloaded(activity, Config, "unchanged");
                return false;
            }
            Current = table;
            LogReloaded(_path, table.Models.Count, table.ToolCount, table.Version);
            activity?.SetTag("cpst.pricing.version", table.Version);
            _telemetry?.Reloaded(activity, Config, "applied");
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A price table parser error, or anything else the file provokes: the table in force stays, the loop runs on.
            Interlocked.Increment(ref _reloadFailures);
            string reason = e is PriceTableException ? e.Message : $"{_path}: {e.GetType().Name}: {e.Message}";
            LogReloadFailed(reason, Current.Version);
            _telemetry?.Reloaded(activity, Config, "refused", reason);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.ReloadInterval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) CheckForChanges();
    }

    /// <summary>
    /// The file the path leads to, with its timestamp and size. A file of a Kubernetes ConfigMap is a symbolic link
    /// through <c>..data</c>, a link to the folder of the current version, and an update points <c>..data</c> at a new
    /// folder: the link itself never changes (a FileInfo of it reports the link's own time and size), the file at its
    /// end does, and so does that file's real path, which tells the versions apart even within one timestamp tick.
    /// </summary>
    private (string, DateTime, long) Stamp()
    {
        try
        {
            var file = new FileInfo(RealPath(_path));
            return file.Exists ? (file.FullName, file.LastWriteTimeUtc, file.Length) : default;
        }
        catch (IOException)
        {
            return default; // a link loop, or a link being replaced: look again at the next tick
        }
    }

    /// <summary>The path with every symbolic link on the way followed, folders included, as realpath(3) does.</summary>
    internal static string RealPath(string path)
    {
        string current = Path.GetFullPath(path);
        for (int links = 0; links < 40; links++)
        {
            string root = Path.GetPathRoot(current) ?? "";
            string[] parts = current[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            string? followed = null;
            for (int i = 0; i < parts.Length && followed is null; i++)
            {
                string here = Path.Combine(root, Path.Combine(parts[..(i + 1)]));
                if (new FileInfo(here).LinkTarget is { } target)
                    followed = Path.Combine(Path.GetFullPath(target, Path.GetDirectoryName(here) ?? root), Path.Combine(parts[(i + 1)..]));
            }
            if (followed is null) return current;
            current = Path.GetFullPath(followed);
        }
        throw new IOException($"{path}: too many symbolic links");
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Loaded price table {Path}: {Models} models, {Tools} tools, version {Version}")]
    private partial void LogLoaded(string path, int models, int tools, string version);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Reloaded price table {Path}: {Models} models, {Tools} tools, version {Version}")]
    private partial void LogReloaded(string path, int models, int tools, string version);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Price table not reloaded, keeping version {Version}: {Reason}")]
    private partial void LogReloadFailed(string reason, string version);
}
