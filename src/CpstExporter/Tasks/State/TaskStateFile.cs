using System.Diagnostics;
using CpstExporter.Primitives;
using CpstExporter.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

using CpstExporter.Tasks;

namespace CpstExporter.Tasks.State;

/// <summary>
/// Keeps pending tasks across restarts (<c>Cpst:Tasks:StateFile</c>). Read back on start, before the listeners open;
/// written every <see cref="TaskOptions.CheckpointSeconds"/> so a crash loses at most that window; written a last
/// time when the application has stopped, after the listeners closed and the requests in flight finished, so no
/// span accepted before shutdown is missed. Every write is atomic: a temporary file, flushed to disk, then renamed
/// over the old one. The tasks are written a chunk at a time, each under the task lock and each put to the file
/// outside it (<see cref="TaskAssembler.WriteState"/>). Tasks that finish after a checkpoint wrote them are recorded in
/// the journal beside the file (<see cref="FinishedTaskJournal"/>), so a restart after a kill does not count them
/// again. A file that cannot be read, whatever its content, is renamed aside with the reason logged; the service starts
/// empty rather than failing. A write that fails is counted (<c>cpst_state_save_failures_total</c>) and makes
/// <c>/readyz</c> answer 503 until a later checkpoint succeeds (<see cref="Failure"/>). Each write is a
/// <c>cpst.checkpoint</c> span when the exporter sends its own telemetry. Later stages keep their part of the state in
/// the same file (<see cref="IStateSection"/>), written with the tasks and read back before them.
/// </summary>
internal sealed partial class TaskStateFile(
    TaskOptions options, TaskAssembler assembler, IHostApplicationLifetime lifetime, TimeProvider time,
    ILogger<TaskStateFile> logger, CpstTelemetry? telemetry = null, IEnumerable<IStateSection>? sections = null) : BackgroundService
{
    private readonly IStateSection[] _sections = sections?.ToArray() ?? [];

    private readonly Lock _writing = new();
    private StateFileLock? _lock;
    private FinishedTaskJournal? _journal;
    private int _finalSaved;
    private string? _failure;
    private long _failures;

    /// <summary>
    /// Why the state is not safe on disk: the last write of the state file or of the journal failed, and no checkpoint
    /// has succeeded since. Null when all is well. Names what failed, not where: it is shown on <c>/readyz</c>, which
    /// is open to anyone; the log has the path and the reason.
    /// </summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>Writes of the state file or of its journal that failed, since the start (<c>cpst_state_save_failures_total</c>).</summary>
    public long SaveFailures => Interlocked.Read(ref _failures);

    /// <summary>
    /// Records in the journal that these tasks, which a checkpoint may have written, finished
    /// (<see cref="TaskDecisions.ToJournal"/>): before anything counts them, so a restart after a kill does not restore
    /// and count them again. Nothing without a state file. A failed write is reported, not thrown.
    /// </summary>
    public void RecordFinished(ReadOnlySpan<TraceId> finished)
    {
        if (!finished.IsEmpty) Volatile.Read(ref _journal)?.Append(finished);
    }

    /// <summary>
    /// The counted calls of <paramref name="decisions"/> are recorded by the stages that keep them in this file's sections
    /// (<see cref="TaskAssembler.Recorded"/>): a checkpoint may take the sections.
    /// </summary>
    public void Recorded(TaskDecisions decisions) => assembler.Recorded(decisions);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.StateFile)) return Task.CompletedTask;
        string path = options.StateFile;
        // Before anything is read: a second instance given the same file stops here, and says why.
        if (!TryLock(path, out string? fault)) Failed("the state file's lock could not be taken", StateFileLock.PathOf(path), fault!);
        Load(path);
        try
        {
            // A segment of its own: the ones before belong to the state file as it is on disk, and stay until it is replaced.
            Journal(path).SwapTo(Journal(path).OpenNext());
        }
        catch (Exception e)
        {
            Failed("the journal of finished tasks could not be opened", path, e.Message);
        }
        // A full or read-only disk shows on /readyz from the start, not only at the first checkpoint.
        if (Failure is null) ProbeWrite(path);
        // The shutdown sequence saves before the drain; this covers a stop without it, or exports that outlived its wait.
        lifetime.ApplicationStopped.Register(() =>
        {
            if (Volatile.Read(ref _finalSaved) == 0) Save(path, checkpoint: false);
            ReleaseLock();
        });
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
            while (await timer.WaitForNextTickAsync(stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    Checkpoint();
                }
                catch (Exception e)
                {
                    // Save reports its own failures; this is anything else. The loop goes on: a checkpoint never stops the host.
                    Failed("a checkpoint failed", options.StateFile!, e.ToString());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private FinishedTaskJournal Journal(string path)
    {
        if (_journal is null)
        {
            Volatile.Write(ref _journal, new FinishedTaskJournal(path, (segment, reason) => Failed("the journal of finished tasks could not be written", segment, reason)));
        }
        return _journal;
    }

    /// <summary>
    /// The last write, once nothing can change the pending tasks any more (exports refused, the sweep stopped).
    /// <paramref name="complete"/>: no export is still being processed, so no later write is needed.
    /// </summary>
    public void SaveFinal(bool complete)
    {
        if (string.IsNullOrWhiteSpace(options.StateFile)) return;
        Save(options.StateFile, checkpoint: false);
        if (complete && Failure is null) Volatile.Write(ref _finalSaved, 1);
    }

    /// <summary>Writes the pending tasks now, as the periodic checkpoint does.</summary>
    public void Checkpoint()
    {
        if (!string.IsNullOrWhiteSpace(options.StateFile)) Save(options.StateFile, checkpoint: true);
    }

    /// <summary>Reads the state file back, with the journal of the tasks that finished after it was written; anything else is moved aside.</summary>
    internal void Load(string path)
    {
        if (!File.Exists(path)) return;
        try
        {
            LoadedState state;
            var (nowMs, wallNowMs) = assembler.Clock();
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan))
                state = TaskStateReader.Read(file, nowMs, wallNowMs);
            HashSet<TraceId> finished = FinishedTaskJournal.Read(path, state.JournalSegment);
            // Before the tasks: a restored task's held calls are counted later, into the sections restored here.
            foreach (IStateSection section in _sections)
                if (state.Sections?.TryGetValue(section.Name, out System.Text.Json.JsonElement saved) == true) RestoreSection(section, saved, path);
            var (restored, remembered) = assembler.Restore(state, finished);
            LogRestored(restored, path, remembered, state.Skipped);
        }
        catch (Exception e)
        {
            // Whatever the content (and whatever a reader makes of it), the service starts.
            MoveAside(path, e.Message);
        }
    }

    /// <summary>A section that cannot be read starts empty; the tasks of the file still load.</summary>
    private void RestoreSection(IStateSection section, System.Text.Json.JsonElement saved, string path)
    {
        try
        {
            section.Restore(saved);
        }
        catch (Exception e)
        {
            LogSectionUnreadable(section.Name, path, e.Message);
        }
    }

    internal void Save(string path, bool checkpoint)
    {
        lock (_writing)
        {
            using Activity? activity = telemetry?.StartCheckpoint(final: !checkpoint);
            long started = Stopwatch.GetTimestamp();
            long failuresBefore = Interlocked.Read(ref _failures);
            string temporary = path + ".tmp";
            FinishedTaskJournal.Segment? next = null, previous = null;
            bool current = false;
            try
            {
                // Never written without the lock: it may have been held by a fault until now, or by another exporter.
                if (!TryLock(path, out string? fault)) throw new IOException($"its lock '{StateFileLock.PathOf(path)}' could not be taken: {fault}");
                FinishedTaskJournal journal = Journal(path);
                next = journal.OpenNext();
                (int Tasks, int HeldOutcomes) written;
                var captured = new List<IStateSectionContent>(_sections.Length);
                using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
                {
                    written = assembler.WriteState(file, next.Number, atStart: () =>
                    {
                        previous = journal.SwapTo(next);
                        current = true;
                    }, _sections, captured);
                    file.Flush(flushToDisk: true); // the rename must not publish a file whose bytes are still in the page cache only
                }
                // Every journal entry so far on disk before the file is: the tasks this file holds that finished since it
                // began are in the new segment, and the old file needs the previous one until the rename.
                if (previous is { } retiring)
                {
                    previous = null;
                    FinishedTaskJournal.Retire(retiring);
                }
                FinishedTaskJournal.FlushToDisk(next);
                File.Move(temporary, path, overwrite: true);
                journal.Committed(next);
                foreach (IStateSectionContent content in captured) content.Saved();
                // A failed journal append during this checkpoint may have missed a task this file holds: not well yet.
                if (Interlocked.Read(ref _failures) == failuresBefore) Volatile.Write(ref _failure, null);
                if (checkpoint) LogCheckpoint(written.Tasks, path);
                else LogSaved(written.Tasks, path);
                telemetry?.Checkpointed(activity, final: !checkpoint, started, written.Tasks, written.HeldOutcomes);
            }
            catch (Exception e)
            {
                string what = checkpoint ? "a checkpoint of the state file failed" : "the state file could not be saved";
                Failed(what, path, e.Message);
                telemetry?.CheckpointFailed(activity, final: !checkpoint, started, what, e);
                TryDelete(temporary);
                if (next is not null && !current) TryDiscard(next);
            }
            finally
            {
                // No append goes to the previous segment any more; it is kept (on disk) until a state file replaces it.
                if (previous is not null) TryRetire(previous);
            }
        }
    }

    /// <summary>Writes and flushes a page where checkpoints write their temporary file, and deletes it.</summary>
    private void ProbeWrite(string path)
    {
        string temporary = path + ".tmp";
        try
        {
            using var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
            file.Write(new byte[4096]);
            file.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Failed("the state file's directory cannot be written", path, e.Message);
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    /// <summary>Counts a failed write, makes <c>/readyz</c> say so, and logs the path and the reason.</summary>
    private void Failed(string what, string path, string reason)
    {
        Interlocked.Increment(ref _failures);
        Volatile.Write(ref _failure, what);
        LogSaveFailed(what, path, reason);
    }

    private void TryRetire(FinishedTaskJournal.Segment segment)
    {
        try
        {
            FinishedTaskJournal.Retire(segment);
        }
        catch (Exception e)
        {
            Failed("the journal of finished tasks could not be written", segment.Path, e.Message);
        }
    }

    private static void TryDiscard(FinishedTaskJournal.Segment segment)
    {
        try
        {
            FinishedTaskJournal.Discard(segment);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An empty segment left behind is read as empty and deleted by the next checkpoint.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temporary file left behind is replaced by the next save.
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
        catch (Exception e)
        {
            LogUnreadableKept(path, reason, e.Message);
        }
    }

    /// <summary>Holds the lock, taking it if a fault kept it from being taken before; false (with why) while the fault lasts.</summary>
    /// <exception cref="Primitives.CpstConfigurationException">Another exporter holds it.</exception>
    private bool TryLock(string path, out string? fault)
    {
        fault = null;
        return _lock is not null || (_lock = StateFileLock.TryAcquire(path, out fault)) is not null;
    }

    private void ReleaseLock()
    {
        lock (_writing)
        {
            _lock?.Dispose();
            _lock = null;
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _journal?.Dispose();
        ReleaseLock();
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Restored {Count} pending tasks from {Path}; {Finished} had finished before the restart and were not restored; {Skipped} unusable entries skipped")]
    private partial void LogRestored(int count, string path, int finished, int skipped);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Saved {Count} pending tasks to {Path}")]
    private partial void LogSaved(int count, string path);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "State file {Path} could not be read and was moved to {Aside}; starting without it: {Reason}")]
    private partial void LogUnreadable(string path, string aside, string reason);

    [LoggerMessage(EventId = 303, Level = LogLevel.Debug, Message = "Checkpoint: {Count} pending tasks written to {Path}")]
    private partial void LogCheckpoint(int count, string path);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "State not saved: {What} ({Path}); a crash now could lose or count again more than one checkpoint interval, until a checkpoint succeeds: {Reason}")]
    private partial void LogSaveFailed(string what, string path, string reason);

    [LoggerMessage(EventId = 306, Level = LogLevel.Error, Message = "Section {Section} of state file {Path} could not be read; it starts empty, the rest of the file is restored: {Reason}")]
    private partial void LogSectionUnreadable(string section, string path, string reason);

    [LoggerMessage(EventId = 305, Level = LogLevel.Error, Message = "State file {Path} could not be read and could not be moved aside ({MoveError}); starting without it, the next save replaces it: {Reason}")]
    private partial void LogUnreadableKept(string path, string reason, string moveError);
}
