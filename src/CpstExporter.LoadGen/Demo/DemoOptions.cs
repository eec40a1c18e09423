namespace CpstExporter.LoadGen.Demo;

/// <summary>Where the demo sends its traffic and for how long; what it sends is the <see cref="DemoPlan"/>.</summary>
internal sealed record DemoOptions
{
    public static readonly Uri DefaultEndpoint = new("http://127.0.0.1:4317");
    private const int OtlpGrpcPort = 4317, OtlpHttpPort = 4318;

    /// <summary>OTLP/gRPC endpoint of the exporter (or of a collector in front of it). Default <c>http://127.0.0.1:4317</c>.</summary>
    public Uri Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>Outcome API URLs (<c>…/v1/outcomes</c>); every later outcome goes to each. Empty: later outcomes are not sent.</summary>
    public IReadOnlyList<Uri> Outcomes { get; init; } = [];

    public DemoPlan Plan { get; init; } = new();

    /// <summary>Seconds to run; null runs until stopped.</summary>
    public double? DurationSeconds { get; init; }

    /// <summary>Tasks to send before stopping; null for no limit. For bounded runs whose size must not depend on speed.</summary>
    public int? MaxTasks { get; init; }

    /// <summary>
    /// Name of the agents' <see cref="System.Diagnostics.ActivitySource"/> and of their chat clients' instrumentation,
    /// which the demo's tracer provider listens to. Default <c>CpstExporter.LoadGen.Demo</c>. Activity listeners are
    /// process-wide, so runs side by side in one process (tests) need a name each.
    /// </summary>
    public string SourceName { get; init; } = DefaultSourceName;

    public const string DefaultSourceName = "CpstExporter.LoadGen.Demo";

    /// <summary>Seconds between progress lines. Default 10.</summary>
    public double StatusIntervalSeconds { get; init; } = 10;

    public static DemoOptions Parse(CommandLine line)
    {
        Uri endpoint = line.Url("endpoint") ?? DefaultEndpoint;
        string? outcomes = line.String("outcomes");
        string? scenarioName = line.String("scenario");
        Scenario scenario = Scenario.None;
        if (scenarioName is not null && !ScenarioNames.TryParse(scenarioName, out scenario))
            throw new UsageException($"unknown scenario '{scenarioName}'; choose one of {string.Join(", ", ScenarioNames.All)}");
        string? useCase = line.String("use-case");
        if (useCase is not null && UseCaseProfiles.Find(useCase) is null)
            throw new UsageException($"unknown use case '{useCase}'; choose one of {string.Join(", ", UseCaseProfiles.All.Select(p => p.Name))}");

        var defaults = new DemoPlan();
        return new DemoOptions
        {
            Endpoint = endpoint,
            Outcomes = outcomes is null ? [DeriveOutcomes(endpoint)] : ParseOutcomes(outcomes),
            Plan = new DemoPlan
            {
                Scenario = scenario,
                TargetUseCase = useCase,
                TasksPerSecond = line.Double("rate", min: 0.001) ?? defaults.TasksPerSecond,
                WarmupSeconds = line.Double("warmup", min: 0) ?? defaults.WarmupSeconds,
                Seed = line.Int("seed") ?? defaults.Seed,
            },
            DurationSeconds = line.Double("duration", min: 0),
            MaxTasks = line.Int("tasks", min: 1),
        };
    }

    /// <summary>
    /// The outcome API listens with OTLP/HTTP, which by OTLP convention is on 4318 when gRPC is on 4317. Other ports
    /// follow no convention, so there the URL must be given.
    /// </summary>
    public static Uri DeriveOutcomes(Uri endpoint)
    {
        if (endpoint.Port != OtlpGrpcPort)
            throw new UsageException($"cannot tell the outcome API's URL from --endpoint {endpoint} (OTLP/HTTP is on 4318 only when gRPC is on 4317): " +
                "pass --outcomes http://host:port/v1/outcomes, or --outcomes none");
        return new UriBuilder(endpoint) { Port = OtlpHttpPort, Path = "/v1/outcomes" }.Uri;
    }

    /// <summary><c>none</c>, or comma-separated URLs; a URL without a path gets <c>/v1/outcomes</c>.</summary>
    public static IReadOnlyList<Uri> ParseOutcomes(string text)
    {
        if (string.Equals(text.Trim(), "none", StringComparison.OrdinalIgnoreCase)) return [];
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => CommandLine.ParseUrl("outcomes", part))
            .Select(url => url.AbsolutePath == "/" ? new Uri(url, "/v1/outcomes") : url)
            .ToArray();
    }
}
