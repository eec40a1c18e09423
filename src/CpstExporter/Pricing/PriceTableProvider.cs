using System.Diagnostics;
using CpstExporter.Primitives;
using CpstExporter.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Pricing;

/// <summary>
/// Holds the live <see cref="PriceTable"/>, layered from one or more price files (<see cref="PriceLayers"/>), and reloads
/// each file on its own when it changes. Polls the files' timestamps and sizes instead of relying on file-system events,
/// which bind mounts and Kubernetes ConfigMap symlink swaps do not deliver reliably; a symbolic link is followed to the
/// file it leads to. A file that fails to load leaves its last good content in the table and is logged with the reason.
/// </summary>
internal sealed partial class PriceTableProvider : BackgroundService
{
    private readonly Layer[] _layers;
    private readonly PricingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PriceTableProvider> _logger;
    private readonly CpstTelemetry? _telemetry;
    private long _reloadFailures;

    /// <summary>One file of the table: its path, what was seen of it, and its last good content.</summary>
    private sealed class Layer(string path)
    {
        public string Path { get; } = path;
        public (string File, DateTime WriteTime, long Length) Seen;
        public (string File, DateTime WriteTime, long Length) Emptied;
        public PriceFile Content = null!;
    }

    /// <param name="telemetry">Present when the exporter sends its own telemetry: a changed file is then a <c>cpst.reload</c> span.</param>
    public PriceTableProvider(PricingOptions options, TimeProvider time, ILogger<PriceTableProvider> logger, CpstTelemetry? telemetry = null)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _telemetry = telemetry;
        _layers = options.ResolvePaths().Select(p => new Layer(p)).ToArray();
        foreach (Layer layer in _layers)
        {
            layer.Seen = Stamp(layer.Path);
            layer.Content = PriceFileReader.Read(layer.Path); // a broken file at start-up is a configuration error: fail fast
            LogLoaded(layer.Path, layer.Content.Models.Count, layer.Content.Tools.Count, layer.Content.Regions.Count, layer.Content.Version, layer.Content.Skipped);
        }
        Current = PriceLayers.Compose(_layers.Select(l => l.Content).ToArray());
        if (_layers.Length > 1) LogLayered(_layers.Length, Current.Models.Count, Current.Version);
    }

    /// <summary>For tests and tools: a provider over a fixed table, with no file behind it.</summary>
    public PriceTableProvider(PriceTable table, ILogger<PriceTableProvider> logger)
    {
        _options = new PricingOptions();
        _time = TimeProvider.System;
        _logger = logger;
        _layers = [];
        Current = table;
    }

    private const string Config = ReloadedConfig.Pricing;

    public PriceTable Current { get; private set; }
    public long ReloadFailures => Interlocked.Read(ref _reloadFailures);

    /// <summary>Reloads the files that changed since the last look; returns true when a new table went live.</summary>
    public bool CheckForChanges()
    {
        ReportTimedOutPatterns();
        bool changed = false;
        foreach (Layer layer in _layers)
        {
            var stamp = Stamp(layer.Path);
            if (stamp == layer.Seen) continue;
            if (stamp.Length == 0 && stamp != layer.Emptied)
            {
                // An in-place write empties the file before it writes: look again at the next tick, and read it only if it is still empty.
                layer.Emptied = stamp;
                continue;
            }
            changed |= Reload(layer, stamp);
        }
        if (!changed) return false;
        PriceTable table = PriceLayers.Compose(_layers.Select(l => l.Content).ToArray());
        if (table.Version == Current.Version) return false;
        Current = table;
        return true;
    }

    /// <summary>
    /// Reads one changed file; true when its content changed. A file that fails keeps its last good content. A file
    /// that changed while it was read (a writer still writing it in place) is neither applied nor refused: it is read
    /// again at the next tick.
    /// </summary>
    private bool Reload(Layer layer, (string File, DateTime WriteTime, long Length) stamp)
    {
        string? text = null;
        PriceTableException? unreadable = null;
        try
        {
            text = PriceFileReader.ReadText(layer.Path, out long length);
            if (length != stamp.Length) return false;
        }
        catch (PriceTableException e)
        {
            unreadable = e;
        }
        if (Stamp(layer.Path) != stamp) return false;
        layer.Seen = stamp;

        using Activity? activity = _telemetry?.StartReload(Config);
        try
        {
            PriceFile file = unreadable is null ? PriceFileReader.Parse(text!, layer.Path) : throw unreadable;
            if (file.Version == layer.Content.Version)
            {
                _telemetry?.Reloaded(activity, Config, "unchanged");
                return false;
            }
            layer.Content = file;
            LogReloaded(layer.Path, file.Models.Count, file.Tools.Count, file.Regions.Count, file.Version, file.Skipped);
            activity?.SetTag("cpst.pricing.version", file.Version);
            _telemetry?.Reloaded(activity, Config, "applied");
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A price file's parser error, or anything else the file provokes: the file's last good content stays, the loop runs on.
            Interlocked.Increment(ref _reloadFailures);
            string reason = e is PriceTableException ? e.Message : $"{layer.Path}: {e.GetType().Name}: {e.Message}";
            LogReloadFailed(reason, layer.Content.Version);
            _telemetry?.Reloaded(activity, Config, "refused", reason);
            return false;
        }
    }

    /// <summary>A pattern that timed out on a hostile model id is logged once; the id was priced as unmatched.</summary>
    private void ReportTimedOutPatterns()
    {
        foreach (PricePattern pattern in Current.TakeTimedOutPatterns()) LogPatternTimedOut(pattern.Text, PricePattern.MatchTimeout.TotalMilliseconds);
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
    private static (string File, DateTime WriteTime, long Length) Stamp(string path)
    {
        try
        {
            var file = new FileInfo(RealPath(path));
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

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Loaded price file {Path}: {Models} models, {Tools} tools, {Regions} regions, version {Version}. {Skipped}")]
    private partial void LogLoaded(string path, int models, int tools, int regions, string version, string skipped);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Reloaded price file {Path}: {Models} models, {Tools} tools, {Regions} regions, version {Version}. {Skipped}")]
    private partial void LogReloaded(string path, int models, int tools, int regions, string version, string skipped);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Price file not reloaded, keeping its version {Version}: {Reason}")]
    private partial void LogReloadFailed(string reason, string version);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Price table layered from {Files} files: {Models} model entries, version {Version}")]
    private partial void LogLayered(int files, int models, string version);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Price pattern '{Pattern}' took longer than {TimeoutMs} ms on a model id and was treated as not matching: simplify it (no nested quantifiers such as (a+)+, no backreferences), anchor it with ^ and $")]
    private partial void LogPatternTimedOut(string pattern, double timeoutMs);
}
