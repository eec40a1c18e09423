namespace CpstExporter.Tasks;

/// <summary>
/// What few pending tasks need: an explicit cost for the whole task, the cost shares of models beyond the first, and
/// calls held while the root is late.
/// Held apart and made only when needed, so that the common task (one model, cost summed from its spans) does not
/// carry these fields: a million pending tasks would pay 32 bytes each for them otherwise.
/// </summary>
internal sealed class PendingTaskExtras
{
    /// <summary>A short list is searched; past this many models an index keeps each call's lookup O(1).</summary>
    private const int ModelsSearched = 8;

    public decimal? TaskCostUsd;
    public List<(string Model, decimal CostUsd, int Calls)>? OtherModels;
    public List<HeldCall>? Held;
    /// <summary>Position of each model in <see cref="OtherModels"/>, once it is longer than <see cref="ModelsSearched"/>.</summary>
    private Dictionary<string, int>? _modelIndex;

    /// <summary>Where <paramref name="model"/> is in <see cref="OtherModels"/>, or -1.</summary>
    public int IndexOfModel(string model)
    {
        if (_modelIndex is not null) return _modelIndex.TryGetValue(model, out int at) ? at : -1;
        if (OtherModels is null) return -1;
        for (int i = 0; i < OtherModels.Count; i++)
            if (OtherModels[i].Model == model) return i;
        return -1;
    }

    /// <summary>Appends a model not in <see cref="OtherModels"/> yet; call <see cref="IndexOfModel"/> first.</summary>
    public void AddModel(string model, decimal cost, int calls)
    {
        List<(string Model, decimal CostUsd, int Calls)> others = OtherModels ??= [];
        others.Add((model, cost, calls));
        if (_modelIndex is not null) _modelIndex.Add(model, others.Count - 1);
        else if (others.Count > ModelsSearched)
        {
            _modelIndex = new Dictionary<string, int>(others.Count * 2, StringComparer.Ordinal);
            for (int i = 0; i < others.Count; i++) _modelIndex.Add(others[i].Model, i);
        }
    }
}
