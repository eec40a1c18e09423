using System.Text.Json;
using CpstExporter.Tasks;

namespace CpstExporter.Tasks.State;

/// <summary>The whole state file: pending tasks and outcomes held for traces not seen yet.</summary>
/// <remarks>
/// The file is written a chunk of tasks at a time while the service runs (<see cref="TaskAssembler.WriteState"/>): a task
/// that changed after its chunk was written may come again later in the list, and the last entry of a trace is the one
/// that counts.
/// </remarks>
/// <param name="SavedAtMs">When the file was begun, wall-clock Unix milliseconds: a restart counts the time since as
/// time down (<see cref="WallToMonotonic"/>). Since version 3.</param>
/// <param name="JournalSegment">The first segment of the journal of finished tasks that belongs to this file
/// (<see cref="FinishedTaskJournal"/>). Since version 3.</param>
/// <param name="Sections">What later stages keep in the file, by name (<see cref="IStateSection"/>), written after the
/// tasks. Since version 6.</param>
internal sealed record TaskStateSnapshot(int Version, List<PendingTaskState> Tasks, List<HeldOutcomeState> HeldOutcomes,
    long? SavedAtMs = null, long? JournalSegment = null, Dictionary<string, JsonElement>? Sections = null)
{
    /// <summary>
    /// 2 added span ids and held calls; 3 the time of the save, the journal of finished tasks, and repeated entries; 4
    /// held calls alike as one entry (<see cref="HeldCallState"/>) and their span ids apart (<see cref="PendingTaskState.HeldSpans"/>);
    /// 5 the outcome API's verdict apart from the spans', with its source and reason, and evaluations; 6 the day held
    /// calls ended (<see cref="HeldCallState.EndDay"/>) and the sections of later stages (the ledger of traced cost).
    /// Files of versions 1 to 5 still load (version 1's calls were counted on arrival; their times are read as of now;
    /// held calls before version 4 are one entry each). A version that did not know 4 refuses such a file (and moves it
    /// aside) rather than miscount its held calls.
    /// </summary>
    public const int CurrentVersion = 6;
    public const int OldestReadableVersion = 1;
}
