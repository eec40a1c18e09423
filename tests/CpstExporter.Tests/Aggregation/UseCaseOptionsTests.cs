using CpstExporter.Aggregation;
using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Tests.Aggregation;

public class UseCaseOptionsTests
{
    private static IReadOnlyDictionary<string, UseCaseOptions> Read(params (string Key, string Value)[] settings) =>
        UseCaseOptions.ReadAll(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create("Cpst:UseCases:" + s.Key, (string?)s.Value)))
            .Build().GetSection("Cpst:UseCases"));

    [Fact]
    public void ReadAll_EverySetting_ReadInvariantly()
    {
        var useCases = Read(("support:TargetUsd", "0.05"), ("support:MonthlyBudgetUsd", "1e3"),
            ("support:SupportingCosts:vector_db", "730.50"), ("search:TargetUsd", "0.2"));

        Assert.Equal(0.05m, useCases["support"].TargetUsd);
        Assert.Equal(1000m, useCases["support"].MonthlyBudgetUsd);
        Assert.Equal(730.50m, useCases["support"].SupportingCosts["vector_db"]);
        Assert.Null(useCases["search"].MonthlyBudgetUsd);
    }

    [Fact]
    public void ReadAll_AlertThresholds_ReadInvariantly()
    {
        var useCases = Read(("support:SpikeFactor", "1.25"), ("support:MinTasksPerHour", "100"), ("search:TargetUsd", "0.2"));

        Assert.Equal(1.25m, useCases["support"].SpikeFactor);
        Assert.Equal(100, useCases["support"].MinTasksPerHour);
        // Not configured: the recording rules use their defaults (1.4 and 20).
        Assert.Null(useCases["search"].SpikeFactor);
        Assert.Null(useCases["search"].MinTasksPerHour);
    }

    [Theory]
    [InlineData("support:TargetUsd", "0,05", "Cpst:UseCases:support:TargetUsd must be an amount in USD such as 0.05, not '0,05'")]
    [InlineData("support:MonthlyBudgetUsd", "lots", "Cpst:UseCases:support:MonthlyBudgetUsd must be an amount in USD such as 0.05, not 'lots'")]
    [InlineData("support:SupportingCosts:gpu", "1,000", "Cpst:UseCases:support:SupportingCosts:gpu must be an amount in USD such as 0.05 (USD per month), not '1,000'")]
    [InlineData("support:TargetUsd", "five", "Cpst:UseCases:support:TargetUsd must be an amount in USD such as 0.05, not 'five'")]
    [InlineData("support:SupportingCosts:gpu", "-5", "Cpst:UseCases:support:SupportingCosts:gpu must not be negative (USD per month)")]
    [InlineData("support:SpikeFactor", "1,4", "Cpst:UseCases:support:SpikeFactor must be a factor above 1 such as 1.4 (CpstSpike fires when CPST exceeds that many times its 7-day baseline), not '1,4'")]
    [InlineData("support:SpikeFactor", "1", "Cpst:UseCases:support:SpikeFactor must be above 1, such as 1.4: at 1 CpstSpike would fire while CPST stays the same")]
    [InlineData("support:SpikeFactor", "0.5", "Cpst:UseCases:support:SpikeFactor must be above 1, such as 1.4: at 0.5 CpstSpike would fire while CPST stays the same")]
    [InlineData("support:MinTasksPerHour", "0", "Cpst:UseCases:support:MinTasksPerHour must be a whole number of tasks, at least 1, such as 20, not '0'")]
    [InlineData("support:MinTasksPerHour", "-20", "Cpst:UseCases:support:MinTasksPerHour must be a whole number of tasks, at least 1, such as 20, not '-20'")]
    [InlineData("support:MinTasksPerHour", "20.5", "Cpst:UseCases:support:MinTasksPerHour must be a whole number of tasks, at least 1, such as 20, not '20.5'")]
    [InlineData("support:MinTasksPerHour", "lots", "Cpst:UseCases:support:MinTasksPerHour must be a whole number of tasks, at least 1, such as 20, not 'lots'")]
    public void ReadAll_WrongSetting_NamesTheKey(string key, string value, string message)
    {
        var e = Assert.Throws<CpstConfigurationException>(() => Read((key, value)));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void SameAs_ComparesEveryAmount()
    {
        var a = Read(("support:TargetUsd", "0.05"), ("support:SupportingCosts:vector_db", "730"));

        Assert.True(UseCaseOptions.SameAs(a, Read(("support:TargetUsd", "0.050"), ("support:SupportingCosts:vector_db", "730"))));
        Assert.False(UseCaseOptions.SameAs(a, Read(("support:TargetUsd", "0.05"), ("support:SupportingCosts:vector_db", "731"))));
        Assert.False(UseCaseOptions.SameAs(a, Read(("support:TargetUsd", "0.05"))));
    }

    [Fact]
    public void SameAs_ComparesAlertThresholds()
    {
        var a = Read(("support:SpikeFactor", "1.4"), ("support:MinTasksPerHour", "20"));

        Assert.True(UseCaseOptions.SameAs(a, Read(("support:SpikeFactor", "1.40"), ("support:MinTasksPerHour", "20"))));
        Assert.False(UseCaseOptions.SameAs(a, Read(("support:SpikeFactor", "1.5"), ("support:MinTasksPerHour", "20"))));
        Assert.False(UseCaseOptions.SameAs(a, Read(("support:SpikeFactor", "1.4"), ("support:MinTasksPerHour", "50"))));
        Assert.False(UseCaseOptions.SameAs(a, Read(("support:SpikeFactor", "1.4"))));
    }
}
