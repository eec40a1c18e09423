namespace CpstExporter.LoadGen.Demo;

/// <summary>What traffic the demo makes: independent of where it is sent, so the same plan can be tested without a network.</summary>
internal sealed record DemoPlan
{
    /// <summary>Tasks per second across all use cases before any scenario. Default 2.</summary>
    public double TasksPerSecond { get; init; } = 2;

    public Scenario Scenario { get; init; } = Scenario.None;

    /// <summary>The use case the scenario changes; null for the scenario's own default.</summary>
    public string? TargetUseCase { get; init; }

    /// <summary>
    /// Seconds of steady traffic before the scenario starts. Default 600: ten minutes in which the dashboards' one-hour
    /// ratios settle. The alerts compare the last hour with a baseline that leaves out the last hour, so for them to fire
    /// against clean steady traffic, warm up for more than an hour (e.g. 3900).
    /// </summary>
    public double WarmupSeconds { get; init; } = 600;

    /// <summary>Seed of the one <see cref="Random"/> every choice is drawn from: the same seed gives the same tasks. Default 42.</summary>
    public int Seed { get; init; } = 42;

    public UseCaseProfile Target => UseCaseProfiles.Find(TargetUseCase ?? Scenario.DefaultUseCase())
        ?? throw new ArgumentException($"unknown use case '{TargetUseCase}'");
}
