using CpstExporter.Aggregation;
using CpstExporter.Auth;
using CpstExporter.Conventions;
using CpstExporter.Hosting;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Configuration;

/// <summary>
/// The <c>Cpst</c> configuration section (docs/reference.md, "Configuration"), read and checked once at start: a wrong value stops the
/// service with a message naming the key, instead of surfacing later as odd numbers.
/// </summary>
internal sealed class CpstSettings
{
    public required ListenerOptions Listen { get; init; }
    public required PricingOptions Pricing { get; init; }
    public required TaskOptions Tasks { get; init; }
    public required ReceiverOptions Receiver { get; init; }
    public required AuthOptions Auth { get; init; }
    public required int MaxSeriesPerMetric { get; init; }

    /// <summary>
    /// <c>Cpst:Limits:MaxConnections</c>: connections open at once per listener, or null when not set; then
    /// <see cref="ConnectionLimit.PerListener"/> takes the default, fitted to the process's open-file limit.
    /// </summary>
    public required int? MaxConnections { get; init; }
    public required IReadOnlyDictionary<string, UseCaseOptions> UseCases { get; init; }
    public required ConventionOptions Conventions { get; init; }
    public required PlausibleRange Plausible { get; init; }
    public required ShutdownOptions Shutdown { get; init; }

    public static CpstSettings Read(IConfigurationSection cpst)
    {
        try
        {
            var settings = new CpstSettings
            {
                Listen = cpst.GetSection("Listen").Get<ListenerOptions>() ?? new ListenerOptions(),
                Pricing = PricingOptions.Read(cpst),
                Tasks = cpst.GetSection("Tasks").Get<TaskOptions>() ?? new TaskOptions(),
                Receiver = new ReceiverOptions
                {
                    MaxRequestBytes = cpst.GetValue("Limits:MaxRequestBytes", 64 * 1024 * 1024),
                    MaxConcurrentExports = cpst.GetValue("Limits:MaxConcurrentExports", 64),
                },
                Auth = AuthOptions.Read(cpst.GetSection("Auth")),
                MaxSeriesPerMetric = cpst.GetValue("Limits:MaxSeriesPerMetric", 2000),
                MaxConnections = cpst.GetValue<int?>("Limits:MaxConnections"),
                UseCases = UseCaseOptions.ReadAll(cpst.GetSection("UseCases")),
                Conventions = ConventionOptions.Read(cpst.GetSection("Conventions")),
                Shutdown = cpst.GetSection("Shutdown").Get<ShutdownOptions>() ?? new ShutdownOptions(),
                Plausible = new PlausibleRange(
                    cpst.GetValue("Limits:MaxTokensPerSpan", PlausibleRange.Default.MaxTokensPerSpan),
                    cpst.GetValue("Limits:MaxCostUsdPerSpan", PlausibleRange.Default.MaxCostUsdPerSpan)),
            };
            settings.Validate();
            return settings;
        }
        catch (InvalidOperationException e) when (e is not CpstConfigurationException)
        {
            throw new CpstConfigurationException(BinderErrors.Describe(e));
        }
    }

    private void Validate()
    {
        Positive(Tasks.SettleSeconds, "Cpst:Tasks:SettleSeconds");
        Positive(Tasks.OutcomeWindowSeconds, "Cpst:Tasks:OutcomeWindowSeconds");
        Positive(Tasks.MaxPending, "Cpst:Tasks:MaxPending");
        Positive(Tasks.MaxFinishedRemembered, "Cpst:Tasks:MaxFinishedRemembered");
        if (Tasks.CheckpointSeconds < 0)
            throw new CpstConfigurationException($"Cpst:Tasks:CheckpointSeconds must be 0 (only on shutdown) or a positive number of seconds, not {Tasks.CheckpointSeconds}");
        Positive(MaxSeriesPerMetric, "Cpst:Limits:MaxSeriesPerMetric");
        Positive(Receiver.MaxRequestBytes, "Cpst:Limits:MaxRequestBytes");
        Positive(Receiver.MaxConcurrentExports, "Cpst:Limits:MaxConcurrentExports");
        if (MaxConnections is <= 0)
            throw new CpstConfigurationException($"Cpst:Limits:MaxConnections must be a positive number of connections per listener, not {MaxConnections}; " +
                "leave it unset for the default");
        Positive(Plausible.MaxTokensPerSpan, "Cpst:Limits:MaxTokensPerSpan");
        if (Plausible.MaxCostUsdPerSpan <= 0)
            throw new CpstConfigurationException($"Cpst:Limits:MaxCostUsdPerSpan must be a positive amount of USD, not {Plausible.MaxCostUsdPerSpan.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (Tasks.RecentTasks is < 0 or > Aggregation.RecentTasks.MaxCapacity)
            throw new CpstConfigurationException($"Cpst:Tasks:RecentTasks must be from 0 (keep none) to {Aggregation.RecentTasks.MaxCapacity}, not {Tasks.RecentTasks}");
        if (Tasks.DuplicateWindowSeconds < 0)
            throw new CpstConfigurationException($"Cpst:Tasks:DuplicateWindowSeconds must be 0 or a positive number of seconds, not {Tasks.DuplicateWindowSeconds}");
        if (Shutdown.DrainSeconds is < 0 or > 600)
            throw new CpstConfigurationException($"Cpst:Shutdown:DrainSeconds must be from 0 (exit once saved) to 600 seconds, not {Shutdown.DrainSeconds}; " +
                "at least one scrape interval, and less than the grace period before SIGKILL");
        Listen.Validate();
    }

    private static void Positive(long value, string key)
    {
        if (value <= 0) throw new CpstConfigurationException($"{key} must be a positive number, not {value}");
    }
}
