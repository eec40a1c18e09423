namespace CpstExporter.Tasks;

/// <summary>Which deadline a pending task runs to, and so which of the assembler's two ordered lists holds it.</summary>
internal enum PendingPhase : byte
{
    /// <summary>Just created, in no list yet.</summary>
    New,
    /// <summary>No outcome signal: finishes as unknown at the outcome window, counted from its first span.</summary>
    Waiting,
    /// <summary>Has an outcome signal: finishes the settle time after its last span or outcome.</summary>
    Settling,
}
