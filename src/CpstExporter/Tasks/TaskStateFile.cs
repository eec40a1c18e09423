using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Tasks;

/// <summary>
/// Keeps pending tasks across restarts (<c>Cpst:Tasks:StateFile</c>): read back on start, written when the
/// application has stopped, after the listeners closed, so no span accepted before shutdown is missed. The
/// write is atomic (temporary file, then rename). A file that cannot be read is renamed aside with the reason
/// logged; the service starts empty rather than failing.
/// </summary>
internal sealed partial class TaskStateFile(TaskOptions options, TaskAssembler assembler, IHostApplicationLifetime lifetime, ILogger<TaskStateFile> logger) : IHostedService
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.StateFile)) return Task.CompletedTask;
        Load(options.StateFile);
        lifetime.ApplicationStopped.Register(() => Save(options.StateFile));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal void Load(string path)
    {
        if (!File.Exists(path)) return;
        try
        {
            TaskStateSnapshot snapshot = JsonSerializer.Deserialize<TaskStateSnapshot>(File.ReadAllBytes(path), Json)
                ?? throw new JsonException("the file is empty");
            if (snapshot.Version != TaskStateSnapshot.CurrentVersion) throw new JsonException($"unknown version {snapshot.Version}");
            assembler.Restore(snapshot);
            LogRestored(snapshot.Tasks.Count, path);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            string aside = $"{path}.unreadable-{DateTime.UtcNow:yyyyMMddHHmmss}";
            File.Move(path, aside, overwrite: true);
            LogUnreadable(path, aside, e.Message);
        }
    }

    internal void Save(string path)
    {
        TaskStateSnapshot snapshot = assembler.Snapshot();
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(snapshot, Json));
        File.Move(temporary, path, overwrite: true);
        LogSaved(snapshot.Tasks.Count, path);
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Restored {Count} pending tasks from {Path}")]
    private partial void LogRestored(int count, string path);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Saved {Count} pending tasks to {Path}")]
    private partial void LogSaved(int count, string path);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "State file {Path} could not be read and was moved to {Aside}; starting without it: {Reason}")]
    private partial void LogUnreadable(string path, string aside, string reason);
}
