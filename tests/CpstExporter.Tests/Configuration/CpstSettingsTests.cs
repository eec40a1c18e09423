using CpstExporter.Configuration;
using CpstExporter.Hosting;
using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Tests.Configuration;

/// <summary>Every wrong value stops the start with one line that names the key and says what to write instead.</summary>
public sealed class CpstSettingsTests
{
    private static IConfigurationRoot Configuration(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static CpstSettings Read(params (string Key, string? Value)[] values) => CpstSettings.Read(Configuration(values).GetSection("Cpst"));

    public static TheoryData<string, string, string> WrongValues => new()
    {
        { "Cpst:Tasks:SettleSeconds", "abc", "Cpst:Tasks:SettleSeconds: 'abc' is not a whole number" },
        { "Cpst:Tasks:SettleSeconds", "5.5", "Cpst:Tasks:SettleSeconds: '5.5' is not a whole number" },
        { "Cpst:Tasks:SettleSeconds", "0", "Cpst:Tasks:SettleSeconds must be a positive number" },
        { "Cpst:Tasks:OutcomeWindowSeconds", "-1", "Cpst:Tasks:OutcomeWindowSeconds must be a positive number" },
        { "Cpst:Tasks:MaxPending", "1e6", "Cpst:Tasks:MaxPending: '1e6' is not a whole number" },
        { "Cpst:Tasks:CheckpointSeconds", "-5", "Cpst:Tasks:CheckpointSeconds must be 0" },
        { "Cpst:Limits:MaxRequestBytes", "9999999999", "Cpst:Limits:MaxRequestBytes: '9999999999' is not a whole number (up to 2147483647)" },
        { "Cpst:Limits:MaxRequestBytes", "64MiB", "Cpst:Limits:MaxRequestBytes: '64MiB' is not a whole number" },
        { "Cpst:Limits:MaxSeriesPerMetric", "0", "Cpst:Limits:MaxSeriesPerMetric must be a positive number" },
        { "Cpst:Limits:MaxConcurrentExports", "0", "Cpst:Limits:MaxConcurrentExports must be a positive number" },
        { "Cpst:Limits:MaxConcurrentExports", "many", "Cpst:Limits:MaxConcurrentExports: 'many' is not a whole number" },
        { "Cpst:Limits:MaxConnections", "0", "Cpst:Limits:MaxConnections must be a positive number of connections per listener, not 0" },
        { "Cpst:Limits:MaxConnections", "-8", "Cpst:Limits:MaxConnections must be a positive number of connections per listener, not -8" },
        { "Cpst:Limits:MaxConnections", "lots", "Cpst:Limits:MaxConnections: 'lots' is not a whole number" },
        { "Cpst:Limits:MaxConnections", "8.5", "Cpst:Limits:MaxConnections: '8.5' is not a whole number" },
        { "Cpst:Limits:MaxConnections", "3000000000", "Cpst:Limits:MaxConnections: '3000000000' is not a whole number (up to 2147483647)" },
        { "Cpst:UseCases:bot:TargetUsd", "-1", "Cpst:UseCases:bot:TargetUsd must not be negative" },
        { "Cpst:UseCases:bot:SpikeFactor", "0.9", "Cpst:UseCases:bot:SpikeFactor must be above 1" },
        { "Cpst:UseCases:bot:MinTasksPerHour", "0", "Cpst:UseCases:bot:MinTasksPerHour must be a whole number of tasks" },
        { "Cpst:Listen:OtlpGrpc", "example.com:4317", "Cpst:Listen:OtlpGrpc: 'example.com:4317' is not scheme://address:port" },
        { "Cpst:Listen:OtlpGrpc", "http://collector.internal:4317", "Cpst:Listen:OtlpGrpc: host 'collector.internal' is not an IP address" },
        { "Cpst:Listen:OtlpHttp", "http://0.0.0.0", "Cpst:Listen:OtlpHttp: 'http://0.0.0.0' is not scheme://address:port" },
        { "Cpst:Listen:Metrics", "http://0.0.0.0:99999", "Cpst:Listen:Metrics: port '99999' is not between 0 and 65535" },
        { "Cpst:Listen:Metrics", "ftp://0.0.0.0:9464", "Cpst:Listen:Metrics: 'ftp://0.0.0.0:9464' is not scheme://address:port" },
        { "Cpst:Listen:Metrics", "http://0.0.0.0:4318", "Cpst:Listen:Metrics (http://0.0.0.0:4318) and Cpst:Listen:OtlpHttp (http://127.0.0.1:4318) use the same port" },
        { "Cpst:Auth:Tokens", "secret", "Cpst:Auth:Tokens is a list: set Cpst:Auth:Tokens:0 (environment: Cpst__Auth__Tokens__0)" },
        { "Cpst:Auth:Tokens:0", " ", "Cpst:Auth:Tokens:0 is empty" },
        { "Cpst:Auth:MetricsTokens:0", "two words", "Cpst:Auth:MetricsTokens:0 contains spaces" },
        { "Cpst:Conventions:Tokens:0", "acme.tokens", "Cpst:Conventions:Tokens is not a fact; use one of UseCase, Outcome, Model" },
        { "Cpst:Conventions:Model:0", " ", "Cpst:Conventions:Model: an attribute name is empty" },
        { "Cpst:Limits:MaxTokensPerSpan", "0", "Cpst:Limits:MaxTokensPerSpan must be a positive number" },
        { "Cpst:Limits:MaxCostUsdPerSpan", "-1", "Cpst:Limits:MaxCostUsdPerSpan must be a positive amount of USD" },
        { "Cpst:Tasks:DuplicateWindowSeconds", "-1", "Cpst:Tasks:DuplicateWindowSeconds must be 0 or a positive number" },
    };

    [Fact]
    public void Read_Conventions_ListsOperatorNamesPerFactInOrder()
    {
        CpstSettings settings = Read(("Cpst:Conventions:InputTokens:0", "acme.in"), ("Cpst:Conventions:InputTokens:1", "acme.prompt"),
            ("Cpst:Conventions:toolname:0", "acme.tool"));

        Assert.Equal(["acme.in", "acme.prompt"], settings.Conventions.NamesOf(CpstExporter.Conventions.Fact.InputTokens));
        Assert.Equal(["acme.tool"], settings.Conventions.NamesOf(CpstExporter.Conventions.Fact.ToolName));
        Assert.Empty(settings.Conventions.NamesOf(CpstExporter.Conventions.Fact.Model));
    }

    [Theory]
    [MemberData(nameof(WrongValues))]
    public void Read_WrongValue_OneLineNamingTheKey(string key, string value, string expected)
    {
        var error = Assert.Throws<CpstConfigurationException>(() => Read((key, value)));
        Assert.StartsWith(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Read_Defaults_AreTheDocumentedOnes()
    {
        CpstSettings settings = Read();
        Assert.Equal(64 * 1024 * 1024, settings.Receiver.MaxRequestBytes);
        Assert.Equal(64, settings.Receiver.MaxConcurrentExports);
        Assert.Equal(2000, settings.MaxSeriesPerMetric);
        Assert.Null(settings.MaxConnections); // the default, fitted to the open-file limit at start
        Assert.Equal(30, settings.Tasks.CheckpointSeconds);
        Assert.Empty(settings.Auth.Tokens);
        Assert.Empty(settings.Auth.MetricsTokens);
    }

    [Fact]
    public void Read_ShippedAppSettings_AreValidAndTheDefaults()
    {
        IConfigurationRoot shipped = new ConfigurationBuilder().AddJsonFile(RepoFiles.Path("src", "CpstExporter", "appsettings.json")).Build();
        CpstSettings fromFile = CpstSettings.Read(shipped.GetSection("Cpst"));
        CpstSettings defaults = Read();
        Assert.Equal(defaults.Receiver.MaxRequestBytes, fromFile.Receiver.MaxRequestBytes);
        Assert.Equal(defaults.Receiver.MaxConcurrentExports, fromFile.Receiver.MaxConcurrentExports);
        Assert.Equal(defaults.Tasks.CheckpointSeconds, fromFile.Tasks.CheckpointSeconds);
        Assert.Equal(defaults.Tasks.SettleSeconds, fromFile.Tasks.SettleSeconds);
        Assert.Equal(defaults.MaxSeriesPerMetric, fromFile.MaxSeriesPerMetric);
        Assert.Empty(ConfigurationKeys.Unknown(shipped.GetSection("Cpst")));
    }

    [Fact]
    public void Read_MaxConnections_IsThePerListenerLimit()
    {
        Assert.Equal(8, Read(("Cpst:Limits:MaxConnections", "8")).MaxConnections);
        Assert.Null(Read(("Cpst:Limits:MaxConnections", "")).MaxConnections); // an empty environment variable leaves the default
    }

    [Fact]
    public void Read_TokensList_KeepsEveryToken()
    {
        CpstSettings settings = Read(("Cpst:Auth:Tokens:0", "first-token"), ("Cpst:Auth:Tokens:1", "second-token"), ("Cpst:Auth:MetricsTokens:0", "scrape"));
        Assert.Equal(["first-token", "second-token"], settings.Auth.Tokens);
        Assert.Equal(["scrape"], settings.Auth.MetricsTokens);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0", "http://0.0.0.0:0")] // port 0 twice: the OS gives each its own
    [InlineData("http://127.0.0.1:4318", "http://127.0.0.2:4318")]
    public void Read_DistinctOrEphemeralEndpoints_AreAccepted(string http, string metrics)
    {
        CpstSettings settings = Read(("Cpst:Listen:OtlpHttp", http), ("Cpst:Listen:Metrics", metrics));

        Assert.Equal(http, settings.Listen.Endpoint(Listener.OtlpHttp).ToString());
        Assert.Equal(metrics, settings.Listen.Endpoint(Listener.Metrics).ToString());
    }
}
