using System.Text.Json;

namespace CpstExporter.Tasks.State;

/// <summary>What <see cref="IStateSection.Capture"/> copied, written into one state file.</summary>
internal interface IStateSectionContent
{
    /// <summary>Writes the section's value (one JSON value); outside the task lock.</summary>
    void Write(Utf8JsonWriter json);

    /// <summary>
    /// The file holding this content has replaced the one before it on disk: what the section did on the strength of
    /// being saved (an accrual that must not be made twice across a restart) can now take effect.
    /// </summary>
    void Saved();
}
