using CpstExporter.Aggregation;
using CpstExporter.Auth;
using CpstExporter.Billing;
using CpstExporter.Billing.CostApi;
using CpstExporter.Billing.Focus;
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
    /// <summary><c>Cpst:Limits:MaxSeriesPerMetric</c>: series per metric before new label sets fold into the overflow series. Default 2000.</summary>
    public required int MaxSeriesPerMetric { get; init; }

    public const int DefaultMaxSeriesPerMetric = 2000;

    /// <summary>
    /// <c>Cpst:Limits:MaxConnections</c>: connections open at once per listener, or null when not set; then
    /// <see cref="ConnectionLimit.PerListener"/> takes the default, fitted to the process's open-file limit.
    /// </summary>
    public required int? MaxConnections { get; init; }
    public required IReadOnlyDictionary<string, UseCaseOptions> UseCases { get; init; }
    public required ConventionOptions Conventions { get; init; }
    public required PlausibleRange Plausible { get; init; }
    public required ShutdownOptions Shutdown { get; init; }
    public required CostApiOptions CostApi { get; init; }
    public required FocusImportOptions Focus { get; init; }
    public required ReconciliationOptions Reconciliation { get; init; }

    /// <summary>
    /// <c>Cpst:Exposition:DeprecatedMetricNames</c>: also write renamed families under their former names
    /// (<c>dotnet_thread_pool_thread_count</c>), for one release. Default false.
    /// </summary>
    public bool DeprecatedMetricNames { get; init; }

    /// <summary>
    /// Binds each part's options from its keys and lets each check itself. The defaults and the ranges are the options
    /// types' own: the binder leaves a property that is not set at its initial value.
    /// </summary>
    public static CpstSettings Read(IConfigurationSection cpst)
    {
        try
        {
            IConfigurationSection limits = cpst.GetSection(ReceiverOptions.Section); // the other limits are read one by one
            var settings = new CpstSettings
            {
                Listen = cpst.GetSection(ListenerOptions.Section).Get<ListenerOptions>() ?? new ListenerOptions(),
                Pricing = PricingOptions.Read(cpst),
                Tasks = cpst.GetSection(TaskOptions.Section).Get<TaskOptions>() ?? new TaskOptions(),
                Receiver = new ReceiverOptions(),
                Auth = AuthOptions.Read(cpst.GetSection("Auth")),
                MaxSeriesPerMetric = limits.GetValue("MaxSeriesPerMetric", DefaultMaxSeriesPerMetric),
                MaxConnections = limits.GetValue<int?>("MaxConnections"),
                UseCases = UseCaseOptions.ReadAll(cpst.GetSection("UseCases")),
                Conventions = ConventionOptions.Read(cpst.GetSection("Conventions")),
                Shutdown = cpst.GetSection(ShutdownOptions.Section).Get<ShutdownOptions>() ?? new ShutdownOptions(),
                CostApi = CostApiOptions.Read(cpst),
                Focus = FocusImportOptions.Read(cpst),
                Reconciliation = cpst.GetSection(ReconciliationOptions.Section).Get<ReconciliationOptions>() ?? new ReconciliationOptions(),
                DeprecatedMetricNames = cpst.GetValue("Exposition:DeprecatedMetricNames", false),
                Plausible = new PlausibleRange(
                    limits.GetValue("MaxTokensPerSpan", PlausibleRange.Default.MaxTokensPerSpan),
                    limits.GetValue("MaxCostUsdPerSpan", PlausibleRange.Default.MaxCostUsdPerSpan)),
            };
            limits.Bind(settings.Receiver);
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
        Tasks.Validate();
        CpstConfigurationException.ThrowIfNotPositive(MaxSeriesPerMetric, "Cpst:Limits:MaxSeriesPerMetric");
        Receiver.Validate();
        if (MaxConnections is <= 0)
            throw new CpstConfigurationException($"Cpst:Limits:MaxConnections must be a positive number of connections per listener, not {MaxConnections}; " +
                "leave it unset for the default");
        Plausible.Validate();
        Shutdown.Validate();
        Listen.Validate();
        Focus.Validate();
        Reconciliation.Validate();
    }
}
