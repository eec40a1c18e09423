using CpstExporter.Aggregation;
using CpstExporter.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Configuration;

/// <summary>A settings file rewritten with something that is not JSON keeps its last good values, and the reload that follows is refused and counted.</summary>
public sealed class SettingsFileProviderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-settings-").FullName;
    private readonly ConfigurationRoot _configuration;
    private readonly SettingsFileProvider _provider;

    public SettingsFileProviderTests()
    {
        Write("""{ "Cpst": { "UseCases": { "support": { "TargetUsd": 0.05 } } } }""");
        // Not watched: the test reloads it as the file watcher would.
        _provider = new SettingsFileProvider(new SettingsFileSource { FileProvider = new PhysicalFileProvider(_directory), Path = "cpst.json" });
        _configuration = new ConfigurationRoot([_provider]);
    }

    public void Dispose()
    {
        _configuration.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private void Write(string text) => File.WriteAllText(Path.Combine(_directory, "cpst.json"), text);

    [Theory]
    [InlineData("""{ "Cpst": { "UseCases": { "support": { "TargetUsd": 0.""")]
    [InlineData("")]
    [InlineData("""{ "Cpst": { "UseCases": { "support": { "TargetUsd": 0.04 } } } },""")]
    public void Reload_NotJson_KeepsTheLastGoodValuesAndTellsWhyOnce(string broken)
    {
        Write(broken);

        _configuration.Reload();

        Assert.Equal("0.05", _configuration["Cpst:UseCases:support:TargetUsd"]);
        Assert.Contains("cpst.json", _provider.TakeFailure());
        Assert.Null(_provider.TakeFailure());
    }

    [Fact]
    public void Reload_JsonAgain_AppliesItAndTellsNoFailure()
    {
        Write("{");
        _configuration.Reload();
        _provider.TakeFailure();
        Write("""{ "Cpst": { "UseCases": { "support": { "TargetUsd": 0.04 } } } }""");

        _configuration.Reload();

        Assert.Equal("0.04", _configuration["Cpst:UseCases:support:TargetUsd"]);
        Assert.Null(_provider.TakeFailure());
    }

    [Fact]
    public void Load_NotJsonAtStart_StopsTheStart()
    {
        Write("{");

        Assert.ThrowsAny<Exception>(() => new ConfigurationRoot([new SettingsFileProvider(
            new SettingsFileSource { FileProvider = new PhysicalFileProvider(_directory), Path = "cpst.json" })]));
    }

    [Fact]
    public async Task UseCaseReloader_SettingsFileNotJson_KeepsTheLastGoodSettingsAndCountsIt()
    {
        var metrics = new CpstMetrics(2000, UseCaseOptions.ReadAll(_configuration.GetSection("Cpst:UseCases")), new FakeTimeProvider(TestClock.Start));
        var reloader = new UseCaseReloader(_configuration, metrics, NullLogger<UseCaseReloader>.Instance);
        await reloader.StartAsync(CancellationToken.None);
        Write("""{ "Cpst": { "UseCases": { "support": { "TargetUsd": 0.""");

        _configuration.Reload();

        Assert.Equal(0.05m, metrics.UseCases["support"].TargetUsd);
        Assert.Equal(1, metrics.UseCaseReloadFailures);
        await reloader.StopAsync(CancellationToken.None);
    }
}
