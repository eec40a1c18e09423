using System.Diagnostics;
using CpstExporter.Aggregation;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace CpstExporter.Configuration;

/// <summary>
/// Puts changed <c>Cpst:UseCases</c> settings (targets, budgets, supporting costs, alert thresholds, outcome policies) in force without a restart, when
/// a configuration source that reloads changes: <c>appsettings.json</c> and <c>appsettings.{Environment}.json</c>
/// (environment variables and the command line are fixed for the life of the process). A wrong value is refused
/// whole, logged with the key, and counted; so is a rewrite of a settings file that is not JSON
/// (<see cref="SettingsFileProvider"/>); the last good settings stay, as with the price table. Each reload is a
/// <c>cpst.reload</c> span when the exporter sends its own telemetry.
/// </summary>
internal sealed partial class UseCaseReloader(IConfiguration configuration, CpstMetrics metrics, ILogger<UseCaseReloader> logger,
    CpstTelemetry? telemetry = null, OutcomePolicies? policies = null) : IHostedService
{
    private const string Config = ReloadedConfig.UseCases;

    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Reads the section again and applies it if it differs from what is in force.</summary>
    public void Reload()
    {
        using Activity? activity = telemetry?.StartReload(Config);
        try
        {
            if (configuration is IConfigurationRoot root)
                foreach (SettingsFileProvider file in root.Providers.OfType<SettingsFileProvider>())
                    if (file.TakeFailure() is { } failure)
                        throw new CpstConfigurationException($"{failure}; fix the file: the settings in force are the last good ones");
            IReadOnlyDictionary<string, UseCaseOptions> next = UseCaseOptions.ReadAll(configuration.GetSection("Cpst:UseCases"));
            foreach (string unknown in ConfigurationKeys.Unknown(configuration.GetSection("Cpst")))
                if (unknown.Contains("Cpst:UseCases:", StringComparison.OrdinalIgnoreCase)) LogUnknownKey(unknown);
            if (UseCaseOptions.SameAs(next, metrics.UseCases))
            {
                telemetry?.Reloaded(activity, Config, "unchanged");
                return;
            }
            metrics.ApplyUseCases(next);
            policies?.Apply(UseCaseOptions.Policies(next));
            LogReloaded(next.Count);
            telemetry?.Reloaded(activity, Config, "applied");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A configuration change runs this on the file watcher's thread: nothing may escape it.
            metrics.UseCaseReloadFailed();
            string reason = e is CpstConfigurationException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            LogReloadFailed(reason);
            telemetry?.Reloaded(activity, Config, "refused", reason);
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Use case settings reloaded: {Count} use cases configured")]
    private partial void LogReloaded(int count);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Use case settings: {Warning}")]
    private partial void LogUnknownKey(string warning);

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "Use case settings not reloaded, keeping the last good ones: {Reason}")]
    private partial void LogReloadFailed(string reason);
}
