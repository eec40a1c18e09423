using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// The calls of several models or tools, each found in O(1): a short list is searched, a longer one indexed, so a
/// trace with fifty thousand models costs no more per call than one with two.
/// </summary>
internal sealed class ShareList
{
    /// <summary>A short list is searched; past this many names an index keeps each lookup O(1).</summary>
    private const int Searched = 8;

    private Dictionary<string, int>? _index;

    /// <summary>Room kept by <see cref="Clear"/>; a list that grew past it (a trace of many models) is let go.</summary>
    private const int RoomKept = 16;

    private List<CallShare> _shares = [];

    public int Count => _shares.Count;

    public void Clear()
    {
        if (_shares.Capacity > RoomKept) _shares = [];
        else _shares.Clear();
        _index = null;
    }

    public CallShare this[int at] => _shares[at];

    public List<CallShare>.Enumerator GetEnumerator() => _shares.GetEnumerator();

    /// <summary>Adds calls to the share of <paramref name="name"/>, making it when it is new.</summary>
    public void Add(SpanRole role, string name, int calls, long inputTokens, long outputTokens, decimal costUsd, in PricingMix pricing = default)
    {
        int at = IndexOf(name);
        if (at < 0)
        {
            _shares.Add(new CallShare(role, name, calls, inputTokens, outputTokens, costUsd, pricing));
            if (_index is not null) _index.Add(name, _shares.Count - 1);
            else if (_shares.Count > Searched)
            {
                _index = new Dictionary<string, int>(_shares.Count * 2, StringComparer.Ordinal);
                for (int i = 0; i < _shares.Count; i++) _index.Add(_shares[i].Name, i);
            }
            return;
        }
        _shares[at] = _shares[at].Plus(calls, inputTokens, outputTokens, costUsd, in pricing);
    }

    private int IndexOf(string name)
    {
        if (_index is not null) return _index.TryGetValue(name, out int at) ? at : -1;
        for (int i = 0; i < _shares.Count; i++)
            if (_shares[i].Name == name) return i;
        return -1;
    }
}
