using CpstExporter.Configuration;
using CpstExporter.Conventions;
using CpstExporter.Hosting;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Tests.Configuration;

/// <summary>Each options type holds its defaults and ranges and names the key it was read from; the settings only bind.</summary>
public class OptionsValidationTests
{
    public static TheoryData<string, string> OutOfRange => new()
    {
        { "tasks", "Cpst:Tasks:SettleSeconds must be a positive number, not 0" },
        { "recent", "Cpst:Tasks:RecentTasks must be from 0 (keep none) to 1000000, not 1000001" },
        { "receiver", "Cpst:Limits:MaxConcurrentExports must be a positive number, not -1" },
        { "plausible", "Cpst:Limits:MaxCostUsdPerSpan must be a positive amount of USD, not 0" },
        { "shutdown", "Cpst:Shutdown:DrainSeconds must be from 0 (exit once saved) to 600 seconds, not 601" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Validate_OutOfRange_NamesTheKey(string options, string expected)
    {
        Action validate = options switch
        {
            "tasks" => new TaskOptions { SettleSeconds = 0 }.Validate,
            "recent" => new TaskOptions { RecentTasks = TaskOptions.MaxRecentTasks + 1 }.Validate,
            "receiver" => new ReceiverOptions { MaxConcurrentExports = -1 }.Validate,
            "plausible" => new PlausibleRange(MaxCostUsdPerSpan: 0m).Validate,
            _ => new ShutdownOptions { DrainSeconds = 601 }.Validate,
        };

        var error = Assert.Throws<CpstConfigurationException>(validate);
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void Validate_Defaults_Pass()
    {
        Assert.Null(Record.Exception(new TaskOptions().Validate));
        Assert.Null(Record.Exception(new ReceiverOptions().Validate));
        Assert.Null(Record.Exception(PlausibleRange.Default.Validate));
        Assert.Null(Record.Exception(new ShutdownOptions().Validate));
    }

    [Fact]
    public void Read_NothingSet_TakesEachOptionsTypesDefaults()
    {
        CpstSettings settings = CpstSettings.Read(new ConfigurationBuilder().Build().GetSection("Cpst"));

        Assert.Equivalent(new TaskOptions(), settings.Tasks);
        Assert.Equivalent(new ReceiverOptions(), settings.Receiver);
        Assert.Equivalent(new ShutdownOptions(), settings.Shutdown);
        Assert.Equivalent(new ListenerOptions(), settings.Listen);
        Assert.Equal(PlausibleRange.Default, settings.Plausible);
    }

    [Fact]
    public void Read_LimitsSection_BindsTheReceiverOptionsBesideTheOtherLimits()
    {
        IConfigurationRoot configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cpst:Limits:MaxRequestBytes"] = "1024",
            ["Cpst:Limits:MaxConcurrentExports"] = "3",
            ["Cpst:Limits:MaxSeriesPerMetric"] = "50",
        }).Build();

        CpstSettings settings = CpstSettings.Read(configuration.GetSection("Cpst"));

        Assert.Equal(1024, settings.Receiver.MaxRequestBytes);
        Assert.Equal(3, settings.Receiver.MaxConcurrentExports);
        Assert.Equal(50, settings.MaxSeriesPerMetric);
    }

    [Theory]
    [InlineData("Cpst:Listen:Metrics")]
    [InlineData("Cpst:Tasks:RecentTasks")]
    [InlineData("Cpst:Tasks:StateFile")]
    [InlineData("Cpst:Limits:MaxConcurrentExports")]
    [InlineData("Cpst:Limits:MaxCostUsdPerSpan")]
    [InlineData("Cpst:Shutdown:DrainSeconds")]
    public void UnknownKeys_KeyOfAnOptionsType_IsKnown(string key)
    {
        Assert.Empty(ConfigurationKeys.Unknown(Section(key, "1")));
    }

    [Theory]
    [InlineData("Cpst:Tasks:MaxEvictionsPerRequest", "Cpst:Tasks:MaxEvictionsPerRequest")]
    [InlineData("Cpst:Shutdown:HostTimeout", "Cpst:Shutdown:HostTimeout")]
    [InlineData("Cpst:Limits:Section", "Cpst:Limits:Section")]
    public void UnknownKeys_PropertyNoBinderSets_IsWarnedAbout(string key, string named)
    {
        Assert.Contains(named, Assert.Single(ConfigurationKeys.Unknown(Section(key, "1"))));
    }

    private static IConfigurationSection Section(string key, string value) =>
        new ConfigurationBuilder().AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)]).Build().GetSection("Cpst");
}
