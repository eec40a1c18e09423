using CpstExporter.Aggregation;
using CpstExporter.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Configuration;

public sealed class UseCaseReloaderTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly ConfigurationManager _configuration = new();
    private readonly CpstMetrics _metrics;
    private readonly UseCaseReloader _reloader;

    public UseCaseReloaderTests()
    {
        _configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cpst:UseCases:support:TargetUsd"] = "0.05",
            ["Cpst:UseCases:support:MonthlyBudgetUsd"] = "1000",
            ["Cpst:UseCases:support:SupportingCosts:vector_db"] = "730",
        });
        _metrics = new CpstMetrics(2000, UseCaseOptions.ReadAll(_configuration.GetSection("Cpst:UseCases")), _clock);
        _reloader = new UseCaseReloader(_configuration, _metrics, NullLogger<UseCaseReloader>.Instance);
    }

    public Task InitializeAsync() => _reloader.StartAsync(CancellationToken.None);

    public Task DisposeAsync() => _reloader.StopAsync(CancellationToken.None);

    /// <summary>Changes a value and fires the configuration's reload token, as a changed appsettings.json does.</summary>
    private void Change(string key, string? value)
    {
        _configuration[key] = value;
        ((IConfigurationRoot)_configuration).Reload();
    }

    [Fact]
    public void Reload_NewTargetBudgetAndRate_InForceAtOnce()
    {
        _clock.Advance(TimeSpan.FromHours(1));

        Change("Cpst:UseCases:support:TargetUsd", "0.04");
        Change("Cpst:UseCases:support:MonthlyBudgetUsd", "1200");
        Change("Cpst:UseCases:support:SupportingCosts:vector_db", "1460");
        Change("Cpst:UseCases:search:TargetUsd", "0.2");
        _clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0.04m, _metrics.UseCases["support"].TargetUsd);
        Assert.Equal(1200m, _metrics.UseCases["support"].MonthlyBudgetUsd);
        Assert.Equal(0.2m, _metrics.UseCases["search"].TargetUsd);
        Assert.Equal([("support", "vector_db", 3m)], _metrics.Supporting.Read()); // $1 at the old rate, then $2
        Assert.Equal(0, _metrics.UseCaseReloadFailures);
    }

    [Fact]
    public void Reload_NewAlertThresholds_InForceAtOnce()
    {
        Change("Cpst:UseCases:support:SpikeFactor", "1.25");
        Change("Cpst:UseCases:support:MinTasksPerHour", "50");

        Assert.Equal(1.25m, _metrics.UseCases["support"].SpikeFactor);
        Assert.Equal(50, _metrics.UseCases["support"].MinTasksPerHour);

        Change("Cpst:UseCases:support:SpikeFactor", "1");

        Assert.Equal(1.25m, _metrics.UseCases["support"].SpikeFactor);
        Assert.Equal(1, _metrics.UseCaseReloadFailures);
    }

    [Fact]
    public void Reload_WrongValue_KeepsTheLastGoodSettingsAndCountsIt()
    {
        Change("Cpst:UseCases:support:TargetUsd", "-1");
        Change("Cpst:UseCases:support:MonthlyBudgetUsd", "lots");

        Assert.Equal(0.05m, _metrics.UseCases["support"].TargetUsd);
        Assert.Equal(1000m, _metrics.UseCases["support"].MonthlyBudgetUsd);
        Assert.Equal(2, _metrics.UseCaseReloadFailures);
    }

    [Fact]
    public void Reload_UnrelatedChange_KeepsTheSameSettingsObject()
    {
        IReadOnlyDictionary<string, UseCaseOptions> before = _metrics.UseCases;

        Change("Cpst:Tasks:SettleSeconds", "10");

        Assert.Same(before, _metrics.UseCases);
    }
}
