using System.Text.Json;
using CpstExporter.Primitives;

using CpstExporter.Tasks;

namespace CpstExporter.Tasks.State;

/// <summary>What a state file held, ready for <see cref="TaskAssembler.Restore(LoadedState, IReadOnlySet{TraceId})"/>: times already on the assembler's monotonic clock.</summary>
internal sealed class LoadedState
{
    public int Version { get; set; }

    /// <summary>The first journal segment that belongs to the file (<see cref="FinishedTaskJournal"/>); null when the file predates the journal.</summary>
    public long? JournalSegment { get; set; }

    /// <summary>Tasks in the order of the file: a trace may come more than once (a checkpoint wrote it again after it changed), the last is the newest.</summary>
    public List<PendingTask> Tasks { get; } = [];

    public List<(TraceId TraceId, HeldVerdicts Held, long ExpiresMs)> HeldOutcomes { get; } = [];

    /// <summary>The sections of later stages, by name (<see cref="IStateSection"/>); null in files before version 6.</summary>
    public Dictionary<string, JsonElement>? Sections { get; set; }

    /// <summary>Entries left out because they said nothing usable: no or a bad trace id, a negative count, an unknown outcome.</summary>
    public int Skipped { get; set; }
}
