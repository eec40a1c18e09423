using System.Text.Json;

namespace CpstExporter.Tasks.State;

/// <summary>
/// A part of the state file kept by a stage after the task stage (the ledger of traced cost, docs/billing.md), written
/// and read under its <see cref="Name"/> in the file's <c>Sections</c> object, so the task stage knows nothing of what it
/// holds. Its content is taken at one point of the checkpoint: under the task lock, once the walk of the pending tasks
/// has ended and every call counted before has been recorded (<see cref="TaskAssembler.Recorded"/>). So what it
/// holds and the tasks the file holds agree: a call is either still held by a task of the file or in the section, never
/// both, never neither.
/// </summary>
internal interface IStateSection
{
    /// <summary>The section's property name in the file; stable across versions.</summary>
    string Name { get; }

    /// <summary>
    /// Copies what to write. Runs under the task lock, so it must be quick and do no I/O; the copy is written after the
    /// lock is released.
    /// </summary>
    IStateSectionContent Capture();

    /// <summary>Takes back what a state file held, at start, before the listeners open. A section a file lacks is not called.</summary>
    /// <exception cref="JsonException">The content is not this section's.</exception>
    void Restore(JsonElement saved);
}
