using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// The calls a pending task holds until its use case is final (its root arrives in a later request), in memory bounded
/// by the kinds of calls, not their number (docs/operations.md, "Limits and defaults"; docs/design.md). Calls alike are
/// one <see cref="HeldGroup"/>. An LLM call whose span id the task tracks may still be taken back by a later span (a
/// wrapper, <see cref="WrapperRule"/>), so it is held as a <see cref="HeldMember"/>, 12 bytes, in a group of calls alike in
/// every field; tool calls and calls the task does not track (past <see cref="SpanTable.MaxEntries"/> spans) are never
/// taken back, so they are summed per provider, model, tool and pricing, without span ids. Counting a group of N calls
/// gives what counting each would: the same tokens, cost to the last digit, calls per basis and tier, and, since groups
/// are counted in the order their first call that still counts arrived, the same order of first use of each model and
/// tool (which the primary model falls back on when costs and calls tie).
/// </summary>
/// <remarks>
/// Not thread-safe: used under the task lock, like its task.
/// </remarks>
internal sealed class HeldCalls
{
    /// <summary>
    /// Most groups of calls held with span ids. Calls with other token counts or costs are other groups, so a long trace
    /// of real calls reaches it; past it an LLM call is summed with its kind and <see cref="SpanMarks.Kept"/>: it counts
    /// whatever arrives below it, as a call already in the metrics does.
    /// </summary>
    public const int MaxGroupsWithSpanIds = 4096;

    /// <summary>
    /// Most groups of summed calls: kinds (provider, model, tool, pricing basis, service tier) of calls in one trace. Past
    /// it a call is counted at once, under the use case the task has then (counted in <c>cpst_early_counted_calls_total</c>).
    /// </summary>
    public const int MaxSummedGroups = 1024;

    /// <summary>A few groups are searched; past this many a hash index keeps each lookup O(1).</summary>
    private const int IndexAbove = 8;

    private HeldGroup[] _groups = new HeldGroup[2];
    private int _groupCount, _groupsWithSpanIds, _summedGroups;
    private HeldMember[] _members = [];
    private int _memberCount;
    private Dictionary<HeldCallKey, int>? _index;

    public ReadOnlySpan<HeldGroup> Groups => _groups.AsSpan(0, _groupCount);

    public ReadOnlySpan<HeldMember> Members => _members.AsSpan(0, _memberCount);

    /// <summary>The calls held, whether or not a later span took one back.</summary>
    public long Calls
    {
        get
        {
            long calls = 0;
            foreach (ref readonly HeldGroup group in Groups) calls += group.Calls;
            return calls;
        }
    }

    /// <summary>
    /// Holds a call that counts, with <paramref name="spanId"/> when the task tracks it (<paramref name="tracked"/>) and it
    /// is an LLM call. <paramref name="bounded"/> false holds it even past <see cref="MaxSummedGroups"/> (a state file
    /// being read: its entries are bounded in bytes, and nothing can be counted there).
    /// </summary>
    public HoldResult Hold(in CountedCall call, ulong spanId, bool tracked, bool bounded = true)
    {
        bool withSpanId = tracked && call.Role == SpanRole.Llm;
        if (withSpanId)
        {
            int group = Find(in call, summed: false);
            if (group < 0 && _groupsWithSpanIds < MaxGroupsWithSpanIds) group = AddGroup(in call, summed: false, calls: 0);
            if (group >= 0)
            {
                AddMember(new HeldMember(spanId, group));
                return HoldResult.Held;
            }
        }
        int summed = Find(in call, summed: true);
        if (summed < 0)
        {
            if (_summedGroups >= MaxSummedGroups && bounded) return HoldResult.Refused;
            AddGroup(in call, summed: true, calls: 1);
        }
        else
        {
            ref HeldGroup into = ref _groups[summed];
            into.Call = into.Call with
            {
                Tokens = into.Call.Tokens.Plus(call.Tokens),
                CostUsd = Saturating.Add(into.Call.CostUsd, call.CostUsd),
            };
            into.Calls = Saturating.Add(into.Calls, 1);
        }
        return withSpanId ? HoldResult.Summed : HoldResult.Held;
    }

    /// <summary>
    /// The held calls that still count (<paramref name="spans"/> says which calls held with span ids a later span took
    /// back), one entry per group with its calls' tokens and cost summed, in the order the first call of each that
    /// still counts arrived.
    /// </summary>
    public List<(CountedCall Calls, int Count)> StillCounting(in SpanTable spans)
    {
        var counted = new int[_groupCount];
        // A group's place: twice the members held before its first call that counts, plus one for a member, so that a
        // summed call held before the member at the same index comes first.
        var first = new long[_groupCount];
        for (int g = 0; g < _groupCount; g++)
        {
            ref readonly HeldGroup group = ref _groups[g];
            counted[g] = group.Summed ? group.Calls : 0;
            first[g] = group.Summed ? 2L * group.First : long.MaxValue;
        }
        for (int i = 0; i < _memberCount; i++)
        {
            HeldMember member = _members[i];
            if (!spans.IsCounted(member.SpanId)) continue;
            if (counted[member.Group]++ == 0) first[member.Group] = 2L * i + 1;
        }
        var order = new List<int>(_groupCount);
        for (int g = 0; g < _groupCount; g++)
            if (counted[g] > 0) order.Add(g);
        // Groups are added as their first call arrives: of two at the same place, the one added first came first.
        order.Sort((a, b) => first[a] != first[b] ? first[a].CompareTo(first[b]) : a.CompareTo(b));
        var result = new List<(CountedCall, int)>(order.Count);
        foreach (int g in order)
        {
            ref readonly HeldGroup group = ref _groups[g];
            result.Add((group.Summed ? group.Call : group.Call.Times(counted[g]), counted[g]));
        }
        return result;
    }

    /// <summary>Adds a group read from a state file; false when it says nothing usable.</summary>
    public bool TryRestore(in HeldGroup group)
    {
        if (group.Calls < 0 || group.First < 0) return false;
        AddGroup(in group.Call, group.Summed, group.Summed ? group.Calls : 0, group.First);
        return true;
    }

    /// <summary>Adds a call held with its span id, read from a state file; false when it names no group of such calls.</summary>
    public bool TryRestore(HeldMember member)
    {
        if (member.Group < 0 || member.Group >= _groupCount || _groups[member.Group].Summed) return false;
        AddMember(member);
        return true;
    }

    private int Find(in CountedCall call, bool summed)
    {
        if (_index is not null) return _index.TryGetValue(new HeldCallKey(in call, summed), out int found) ? found : -1;
        for (int g = 0; g < _groupCount; g++)
            if (HeldCallKey.Matches(in _groups[g], in call, summed)) return g;
        return -1;
    }

    private int AddGroup(in CountedCall call, bool summed, int calls, int? first = null)
    {
        if (_groupCount == _groups.Length) Array.Resize(ref _groups, _groups.Length * 2);
        int at = _groupCount++;
        _groups[at] = new HeldGroup { Call = call, Summed = summed, Calls = calls, First = first ?? _memberCount };
        if (summed) _summedGroups++;
        else _groupsWithSpanIds++;
        if (_index is not null) _index.TryAdd(new HeldCallKey(in call, summed), at);
        else if (_groupCount > IndexAbove)
        {
            _index = new Dictionary<HeldCallKey, int>(_groupCount * 2);
            // The first group of a key is the one calls join; a state file could name two alike.
            for (int g = 0; g < _groupCount; g++) _index.TryAdd(new HeldCallKey(in _groups[g].Call, _groups[g].Summed), g);
        }
        return at;
    }

    private void AddMember(HeldMember member)
    {
        if (_memberCount == _members.Length) Array.Resize(ref _members, Math.Max(4, _members.Length * 2));
        _members[_memberCount++] = member;
        ref HeldGroup group = ref _groups[member.Group];
        group.Calls = Saturating.Add(group.Calls, 1);
    }
}
