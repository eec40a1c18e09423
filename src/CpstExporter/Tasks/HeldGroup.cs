namespace CpstExporter.Tasks;

/// <summary>
/// Held calls alike, as one entry of <see cref="HeldCalls"/>. Either the calls are <see cref="Summed"/>, their tokens and
/// cost added up in <see cref="Call"/> (calls no later span can take back), or <see cref="Call"/> is the value of each,
/// and the calls are the <see cref="HeldMember"/>s that name the group, each with its span id.
/// </summary>
internal struct HeldGroup
{
    public CountedCall Call;
    public bool Summed;
    /// <summary>How many calls the group holds: its members, or the calls summed.</summary>
    public int Calls;
    /// <summary>Of a summed group: how many members had been held before its first call, its place in arrival order.</summary>
    public int First;
}
