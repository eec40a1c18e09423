namespace CpstExporter.Tasks;

/// <summary>
/// The outcome policy of each use case, in force now. Given to the task stage when it is made and replaced whole by
/// <see cref="Apply"/> when the use case settings reload; a task is judged by the table in force when it is decided.
/// </summary>
internal sealed class OutcomePolicies
{
    private volatile IReadOnlyDictionary<string, OutcomePolicy> _byUseCase;

    public OutcomePolicies(IReadOnlyDictionary<string, OutcomePolicy>? byUseCase = null) =>
        _byUseCase = byUseCase ?? new Dictionary<string, OutcomePolicy>();

    public IReadOnlyDictionary<string, OutcomePolicy> InForce => _byUseCase;

    /// <summary>The policy of <paramref name="useCase"/>, or the default when it has none.</summary>
    /// <remarks>Asked on every span: with no use case given a policy, as most run, it looks nothing up.</remarks>
    public OutcomePolicy For(string? useCase)
    {
        IReadOnlyDictionary<string, OutcomePolicy> byUseCase = _byUseCase;
        return useCase is not null && byUseCase.Count > 0 && byUseCase.TryGetValue(useCase, out OutcomePolicy? policy) ? policy : OutcomePolicy.Default;
    }

    public void Apply(IReadOnlyDictionary<string, OutcomePolicy> byUseCase) => _byUseCase = byUseCase;
}
