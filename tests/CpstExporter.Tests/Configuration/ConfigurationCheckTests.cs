using CpstExporter.Configuration;
using CpstExporter.Hosting;
using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Tests.Configuration;

/// <summary>
/// What the values alone do not show: the price table, the certificate, the state file's directory, unknown keys, a
/// connection limit the open-file limit cannot hold.
/// </summary>
public sealed class ConfigurationCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<string> Run(Dictionary<string, string?> values, long? openFileLimit = null)
    {
        IConfigurationRoot configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return ConfigurationCheck.Run(configuration, CpstSettings.Read(configuration.GetSection("Cpst")), openFileLimit);
    }

    private static string Error(Dictionary<string, string?> values)
    {
        string message = Assert.Throws<CpstConfigurationException>(() => Run(values)).Message;
        Assert.DoesNotContain('\n', message);
        return message;
    }

    [Fact]
    public void Run_BrokenPriceTable_NamesTheKeyTheLineAndTheFix()
    {
        string file = Path.Combine(_dir, "pricing.yaml");
        File.WriteAllText(file, "models:\n  - name: gpt-4o\n    input: [\n");
        string message = Error(new() { ["Cpst:PricingFile"] = file });
        Assert.StartsWith("Cpst:PricingFile: ", message);
        Assert.Contains("line", message);
        Assert.EndsWith("fix the file or point Cpst:PricingFile at a valid price table", message);
    }

    [Fact]
    public void Run_PriceTableWithoutPrices_NamesTheEntry()
    {
        string file = Path.Combine(_dir, "pricing.yaml");
        File.WriteAllText(file, "models:\n  - name: gpt-4o\n    input: 2.5\n");
        Assert.Contains("models[0] (gpt-4o)", Error(new() { ["Cpst:PricingFile"] = file }));
    }

    [Fact]
    public void Run_MissingPriceTable_NamesTheKey()
    {
        Assert.StartsWith("Cpst:PricingFile: cannot read price table", Error(new() { ["Cpst:PricingFile"] = Path.Combine(_dir, "nope.yaml") }));
    }

    [Fact]
    public void Run_HttpsWithoutCertificate_SaysWhichKeysToSet()
    {
        string message = Error(new() { ["Cpst:Listen:OtlpGrpc"] = "https://127.0.0.1:4317" });
        Assert.StartsWith("Cpst:Listen:OtlpGrpc is https:// but no certificate is configured; set Kestrel:Certificates:Default:Path", message);
    }

    [Fact]
    public void Run_CertificateWithWrongPassword_NamesTheCertificateKey()
    {
        using var certificate = new TestCertificate();
        string message = Error(new()
        {
            ["Cpst:Listen:Metrics"] = "https://127.0.0.1:9464",
            ["Kestrel:Certificates:Default:Path"] = certificate.PfxPath,
            ["Kestrel:Certificates:Default:Password"] = "wrong",
        });
        Assert.StartsWith($"Kestrel:Certificates:Default:Path: cannot load '{certificate.PfxPath}'", message);
    }

    [Fact]
    public void Run_CertificateThatLoads_Passes()
    {
        using var certificate = new TestCertificate();
        Dictionary<string, string?> values = certificate.KestrelSettings();
        values["Cpst:Listen:Metrics"] = "https://127.0.0.1:9464";
        Assert.Empty(Run(values));
    }

    [Fact]
    public void Run_StateFileInMissingDirectory_NamesTheKey()
    {
        string message = Error(new() { ["Cpst:Tasks:StateFile"] = Path.Combine(_dir, "no-such-dir", "state.json") });
        Assert.StartsWith("Cpst:Tasks:StateFile: directory", message);
        Assert.Contains("does not exist", message);
    }

    [Fact]
    public void Run_UnknownKeys_WarnWithTheNearestKnownKey()
    {
        List<string> warnings = Run(new()
        {
            ["Cpst:Tasks:SettleSecond"] = "10",
            ["Cpst:Limits:MaxConcurentExports"] = "10",
            ["Cpst:Something:Else"] = "x",
            ["Cpst:UseCases:bot:TargetUSD"] = "0.05", // keys are case-insensitive: known
            ["Cpst:UseCases:bot:Target"] = "0.05",
            ["Cpst:UseCases:bot:SpikeFactor"] = "1.5",
            ["Cpst:UseCases:bot:MinTasksPerHour"] = "50",
            ["Cpst:Auth:Tokens:0"] = "a-token-of-some-length",
        });
        Assert.Equal(
        [
            "unknown configuration key Cpst:Limits:MaxConcurentExports is ignored; did you mean Cpst:Limits:MaxConcurrentExports?",
            "unknown configuration key Cpst:Something:Else is ignored",
            "unknown configuration key Cpst:Tasks:SettleSecond is ignored; did you mean Cpst:Tasks:SettleSeconds?",
            "unknown configuration key Cpst:UseCases:bot:Target is ignored",
        ], warnings);
    }

    [Fact]
    public void Run_EmptyListsAndMaps_AreNotUnknownKeys()
    {
        IConfigurationRoot configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream("""{"Cpst":{"Auth":{"Tokens":[],"MetricsTokens":[]},"UseCases":{},"Tasks":{"StateFile":""}}}"""u8.ToArray()))
            .Build();
        Assert.Empty(ConfigurationKeys.Unknown(configuration.GetSection("Cpst")));
    }

    [Fact]
    public void Run_MaxConnectionsBeyondTheOpenFileLimit_WarnsWithTheValueThatFits()
    {
        List<string> warnings = Run(new() { ["Cpst:Limits:MaxConnections"] = "1000" }, openFileLimit: 1024);

        string warning = Assert.Single(warnings);
        Assert.StartsWith("Cpst:Limits:MaxConnections: 3 listeners × 1000 connections", warning);
        Assert.Contains("open-file limit of 1024", warning);
        Assert.Contains($"Set Cpst:Limits:MaxConnections to {(1024 - ConnectionLimit.ReservedDescriptors) / 3} or less", warning);
    }

    [Theory]
    [InlineData("200", 1024L)]   // 3 × 200 + the reserve fit
    [InlineData("100000", null)] // the open-file limit is unknown (not Linux)
    [InlineData(null, 1024L)]    // the default fits itself to the limit
    public void Run_MaxConnectionsThatFitOrCannotBeChecked_NoWarning(string? maxConnections, long? openFileLimit)
    {
        Assert.Empty(Run(new() { ["Cpst:Limits:MaxConnections"] = maxConnections }, openFileLimit));
    }

    [Theory]
    [InlineData(null, null, ConnectionLimit.DefaultMax)]
    [InlineData(null, 1048576L, ConnectionLimit.DefaultMax)]
    [InlineData(null, 1024L, (1024 - ConnectionLimit.ReservedDescriptors) / 3)]
    [InlineData(null, 100L, 1)]
    [InlineData(5000, 1024L, 5000)] // configured: kept, with the warning above
    public void PerListener_DefaultFitsTheOpenFileLimit(int? configured, long? openFileLimit, int expected)
    {
        Assert.Equal(expected, ConnectionLimit.PerListener(configured, openFileLimit));
    }

    [Theory]
    [InlineData("Limit                     Soft Limit           Hard Limit           Units     \nMax cpu time              unlimited            unlimited            seconds   \nMax open files            1024                 524288               files     \n", 1024L)]
    [InlineData("Max open files            unlimited            unlimited            files     \n", null)]
    [InlineData("Max processes             63704                63704                processes \n", null)]
    public void OpenFileLimit_ParsesTheSoftLimit(string limits, long? expected)
    {
        Assert.Equal(expected, OpenFileLimit.Parse(limits));
    }

    [Fact]
    public void OpenFileLimit_OfThisProcess_IsReadOnLinux()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.True(OpenFileLimit.Read() is > 0);
    }
}
