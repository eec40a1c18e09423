using CpstExporter.Pricing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Billing.Focus;

/// <summary>
/// Imports the FOCUS files of <c>Cpst:Billing:Focus:Directory</c> (docs/billing.md, "FOCUS exports"): every
/// <c>*.csv</c> and <c>*.csv.gz</c>, sub-directories included, hidden ones not, at start and whenever one changes. A
/// file-system watcher wakes it at a change, and a full rescan every <c>RescanSeconds</c> catches what the watcher
/// missed (network and bind mounts, a full event queue): files are told apart by their size and time, never by events.
/// A changed file is read once it stayed the same for <c>SettleSeconds</c>, and its amounts replace the file's earlier
/// ones whole (<see cref="IBillSink.Replace"/>, scope = the path below the directory), so a re-exported file revises its
/// rows and an unchanged one changes nothing; a deleted file's amounts are removed. A refused file is counted
/// (<see cref="IBillSink.Failed"/>) and logged, its earlier import stays, and it is read again when it changes. Nothing
/// a file holds stops the service.
/// </summary>
internal sealed partial class FocusDirectoryWatcher : BackgroundService
{
    private readonly FocusImportOptions _options;
    private readonly FocusFileReader _reader;
    private readonly IBillSink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger<FocusDirectoryWatcher> _logger;
    private readonly string _directory;
    private readonly TimeSpan _settle;
    private readonly Dictionary<string, TrackedFile> _files = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly Lock _scanning = new();
    private bool _unreadable;
    private int _leftOut;

    /// <summary>What was last seen of one file.</summary>
    private sealed class TrackedFile
    {
        /// <summary>The version last read, imported or refused.</summary>
        public FocusFileStamp Seen;

        /// <summary>A newer version waiting to settle, and since when.</summary>
        public FocusFileStamp Pending;
        public long PendingSince;

        /// <summary>Whether the sink holds amounts of this file.</summary>
        public bool Imported;
    }

    public FocusDirectoryWatcher(FocusImportOptions options, ExchangeRates rates, IBillSink sink, TimeProvider time, ILogger<FocusDirectoryWatcher> logger)
    {
        _options = options;
        _reader = new FocusFileReader(options, rates);
        _sink = sink;
        _time = time;
        _logger = logger;
        _directory = Path.GetFullPath(options.Directory ?? throw new ArgumentException("no FOCUS directory is set", nameof(options)));
        _settle = TimeSpan.FromSeconds(options.SettleSeconds);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // the first scan reads every file: not on the host's start path
        LogWatching(_directory, _options.RescanSeconds);
        using FileSystemWatcher? watcher = StartWatcher();
        var rescan = TimeSpan.FromSeconds(_options.RescanSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            FocusScanResult scan = ScanOnce();
            // A file still settling is looked at again once it may have settled.
            TimeSpan wait = scan.Settling > 0 ? TimeSpan.FromSeconds(Math.Max(1, _options.SettleSeconds)) : rescan;
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            await Task.WhenAny(_changed.WaitAsync(wake.Token), Task.Delay(wait, _time, wake.Token)).ConfigureAwait(false);
            await wake.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One look at the directory: imports what changed and settled, removes what is gone. Never throws.</summary>
    internal FocusScanResult ScanOnce()
    {
        lock (_scanning)
        {
            try
            {
                return Scan();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogScanFailed(e);
                return default;
            }
        }
    }

    private FocusScanResult Scan()
    {
        List<(string Scope, string Path)> listed;
        try
        {
            listed = List();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unmounted volume is not a deleted bill: nothing is removed until the directory can be read again.
            if (!_unreadable) LogDirectoryUnreadable(_directory, e.Message);
            _unreadable = true;
            return default;
        }
        _unreadable = false;

        long now = _time.GetTimestamp();
        int imported = 0, refused = 0, removed = 0, settling = 0;
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string scope, string path) in listed)
        {
            present.Add(scope);
            FocusFileStamp stamp = FocusFileStamp.Of(path);
            if (stamp == default) continue; // gone since the listing: the next look removes it
            if (!_files.TryGetValue(scope, out TrackedFile? tracked)) _files[scope] = tracked = new TrackedFile();
            if (stamp == tracked.Seen) continue;
            if (_settle > TimeSpan.Zero)
            {
                if (stamp != tracked.Pending)
                {
                    tracked.Pending = stamp;
                    tracked.PendingSince = now;
                    settling++;
                    continue;
                }
                if (_time.GetElapsedTime(tracked.PendingSince, now) < _settle)
                {
                    settling++;
                    continue;
                }
            }
            switch (Import(scope, path, stamp, tracked))
            {
                case true: imported++; break;
                case false: refused++; break;
                case null: settling++; break;
            }
        }

        foreach (string scope in _files.Keys.Where(scope => !present.Contains(scope)).ToList())
        {
            if (_files[scope].Imported)
            {
                _sink.Remove(BillingSource.Focus, scope);
                LogRemoved(scope);
                removed++;
            }
            _files.Remove(scope);
        }
        return new FocusScanResult(imported, refused, removed, settling);
    }

    /// <summary>Reads one changed file: true imported, false refused, null changed while it was read (read again later).</summary>
    private bool? Import(string scope, string path, FocusFileStamp stamp, TrackedFile tracked)
    {
        FocusFileContent content;
        try
        {
            content = _reader.Read(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (FocusFileStamp.Of(path) != stamp) return null; // rewritten or deleted while read: not its fault
            tracked.Seen = stamp;
            string reason = e is FocusFileException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            _sink.Failed(BillingSource.Focus, $"{scope}: {reason}");
            LogRefused(scope, reason);
            return false;
        }
        if (FocusFileStamp.Of(path) != stamp) return null;
        _sink.Replace(new BillSnapshot(BillingSource.Focus, scope, content.Amounts));
        tracked.Seen = stamp; // only once handed on: a sink that failed gets the file again at the next look
        tracked.Imported = true;
        LogImported(scope, content.Rows, content.Counted, content.Amounts.Count, content.Usd, content.NotUsage, content.NotAiService,
            content.UnknownProvider, content.UnknownServices.Count == 0 ? "" : $" ({string.Join(", ", content.UnknownServices)}: map them with Cpst:Billing:Focus:Providers)");
        return true;
    }

    /// <summary>The FOCUS files below the directory, at most <c>MaxFiles</c> of them, the first in path order, by scope.</summary>
    private List<(string Scope, string Path)> List()
    {
        var enumeration = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            MaxRecursionDepth = 16,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System, // on Linux, names that start with '.'
            MatchCasing = MatchCasing.CaseInsensitive,
        };
        // The first MaxFiles by path, kept as the listing goes, so a directory of a million files takes no more.
        var first = new SortedDictionary<string, string>(StringComparer.Ordinal);
        int total = 0;
        foreach (string path in Directory.EnumerateFiles(_directory, "*", enumeration))
        {
            if (!path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase)) continue;
            total++;
            string scope = Path.GetRelativePath(_directory, path).Replace(Path.DirectorySeparatorChar, '/');
            first[scope] = path;
            if (first.Count > _options.MaxFiles) first.Remove(first.Keys.Last());
        }
        int leftOut = total - first.Count;
        if (leftOut != _leftOut && leftOut > 0) LogFilesLeftOut(_directory, total, _options.MaxFiles);
        _leftOut = leftOut;
        return first.Select(f => (f.Key, f.Value)).ToList();
    }

    private FileSystemWatcher? StartWatcher()
    {
        try
        {
            var watcher = new FileSystemWatcher(_directory)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Changed += (_, _) => Signal();
            watcher.Created += (_, _) => Signal();
            watcher.Deleted += (_, _) => Signal();
            watcher.Renamed += (_, _) => Signal();
            watcher.Error += (_, _) => Signal(); // events were lost: a look at everything finds them
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            LogNoWatcher(e.Message, _options.RescanSeconds);
            return null;
        }
    }

    private void Signal()
    {
        try
        {
            if (_changed.CurrentCount == 0) _changed.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one scan sees every change.
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _changed.Dispose();
    }

    [LoggerMessage(EventId = 620, Level = LogLevel.Information, Message = "Watching {Directory} for FOCUS files (*.csv, *.csv.gz), rescanned every {RescanSeconds} s")]
    private partial void LogWatching(string directory, int rescanSeconds);

    [LoggerMessage(EventId = 621, Level = LogLevel.Information, Message = "FOCUS file {Scope} imported: {Rows} rows, {Counted} counted into {Amounts} amounts, {Usd} USD; " +
        "skipped {NotUsage} not Usage, {NotAiService} not AI/ML, {UnknownProvider} AI/ML without a known provider{UnknownServices}")]
    private partial void LogImported(string scope, long rows, long counted, int amounts, decimal usd, long notUsage, long notAiService, long unknownProvider, string unknownServices);

    [LoggerMessage(EventId = 622, Level = LogLevel.Error, Message = "FOCUS file {Scope} refused, its earlier import (if any) stays: {Reason}")]
    private partial void LogRefused(string scope, string reason);

    [LoggerMessage(EventId = 623, Level = LogLevel.Information, Message = "FOCUS file {Scope} is gone from the directory: its amounts no longer count")]
    private partial void LogRemoved(string scope);

    [LoggerMessage(EventId = 624, Level = LogLevel.Warning, Message = "FOCUS directory {Directory} cannot be read, nothing is removed until it can: {Reason}")]
    private partial void LogDirectoryUnreadable(string directory, string reason);

    [LoggerMessage(EventId = 625, Level = LogLevel.Warning, Message = "FOCUS directory {Directory} holds {Files} files; only the first {MaxFiles} by path are read (Cpst:Billing:Focus:MaxFiles)")]
    private partial void LogFilesLeftOut(string directory, int files, int maxFiles);

    [LoggerMessage(EventId = 626, Level = LogLevel.Warning, Message = "No file-system watcher on the FOCUS directory ({Reason}): changes are found by the rescan every {RescanSeconds} s")]
    private partial void LogNoWatcher(string reason, int rescanSeconds);

    [LoggerMessage(EventId = 627, Level = LogLevel.Error, Message = "A look at the FOCUS directory failed; the next one runs as planned")]
    private partial void LogScanFailed(Exception exception);
}
