using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Tasks;

/// <summary>
/// Keeps pending tasks across restarts (<c>Cpst:Tasks:StateFile</c>). Read back on start, before the listeners open;
/// written every <see cref="TaskOptions.CheckpointSeconds"/> so a crash loses at most that window; written a last
/// time when the application has stopped, after the listeners closed and the requests in flight finished, so no
/// span accepted before shutdown is missed. Every write is atomic: a temporary file, flushed to disk, then renamed
/// over the old one. The snapshot is taken under the task lock, the file written outside it. A file that cannot be
/// read is renamed aside with the reason logged; the service starts empty rather than failing.
/// </summary>
internal sealed partial class TaskStateFile(
    TaskOptions options, TaskAssembler assembler, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<TaskStateFile> logger) : BackgroundService
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };
    private readonly Lock _writing = new();

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.StateFile)) return Task.CompletedTask;
        Load(options.StateFile);
        lifetime.ApplicationStopped.Register(() => Save(options.StateFile, checkpoint: false));
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.CheckpointSeconds == 0) return;
        // Checkpoints end when shutdown begins; the final write follows once the listeners have drained.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.CheckpointSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping.Token).ConfigureAwait(false)) Checkpoint();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Writes the pending tasks now, as the periodic checkpoint does.</summary>
    public void Checkpoint()
    {
        if (!string.IsNullOrWhiteSpace(options.StateFile)) Save(options.StateFile, checkpoint: true);
    }

    internal void Load(string path)
    {
        if (!File.Exists(path)) return;
        try
        {
            TaskStateSnapshot snapshot = JsonSerializer.Deserialize<TaskStateSnapshot>(File.ReadAllBytes(path), Json)
                ?? throw new JsonException("the file is empty");
            if (snapshot.Version is < TaskStateSnapshot.OldestReadableVersion or > TaskStateSnapshot.CurrentVersion) throw new JsonException($"unknown version {snapshot.Version}");
            if (snapshot.Tasks is null || snapshot.HeldOutcomes is null) throw new JsonException("'Tasks' or 'HeldOutcomes' is missing");
            assembler.Restore(snapshot);
            LogRestored(snapshot.Tasks.Count, path);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            MoveAside(path, e.Message);
        }
    }

    internal void Save(string path, bool checkpoint)
    {
        TaskStateSnapshot snapshot = assembler.Snapshot(); // under the task lock; everything below is outside it
        try
        {
            byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(snapshot, Json);
            lock (_writing)
            {
                string temporary = path + ".tmp";
                using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    file.Write(bytes);
                    file.Flush(flushToDisk: true); // the rename must not publish a file whose bytes are still in the page cache only
                }
                File.Move(temporary, path, overwrite: true);
            }
            if (checkpoint) LogCheckpoint(snapshot.Tasks.Count, path);
            else LogSaved(snapshot.Tasks.Count, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogSaveFailed(path, e.Message);
        }
    }

    private void MoveAside(string path, string reason)
    {
        string aside = $"{path}.unreadable-{time.GetUtcNow():yyyyMMddHHmmss}";
        try
        {
            File.Move(path, aside, overwrite: true);
            LogUnreadable(path, aside, reason);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogUnreadableKept(path, reason, e.Message);
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Restored {Count} pending tasks from {Path}")]
    private partial void LogRestored(int count, string path);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Saved {Count} pending tasks to {Path}")]
    private partial void LogSaved(int count, string path);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "State file {Path} could not be read and was moved to {Aside}; starting without it: {Reason}")]
    private partial void LogUnreadable(string path, string aside, string reason);

    [LoggerMessage(EventId = 303, Level = LogLevel.Debug, Message = "Checkpoint: {Count} pending tasks written to {Path}")]
    private partial void LogCheckpoint(int count, string path);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "Pending tasks could not be written to {Path}; a restart now would lose them: {Reason}")]
    private partial void LogSaveFailed(string path, string reason);

    [LoggerMessage(EventId = 305, Level = LogLevel.Error, Message = "State file {Path} could not be read and could not be moved aside ({MoveError}); starting without it, the next save replaces it: {Reason}")]
    private partial void LogUnreadableKept(string path, string reason, string moveError);
}
