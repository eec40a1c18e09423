using CpstExporter.Billing.Focus;
using CpstExporter.Configuration;
using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Tests.Billing.Focus;

/// <summary>A wrong FOCUS setting stops the start with the key named (exit code 2, as every configuration error).</summary>
public sealed class FocusImportOptionsTests
{
    private static CpstSettings Read(params (string Key, string? Value)[] values) => CpstSettings.Read(
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build().GetSection("Cpst"));

    public static TheoryData<string, string, string> WrongValues => new()
    {
        { "Cpst:Billing:Focus:Directory", "/nonexistent/focus", "Cpst:Billing:Focus:Directory: no directory at /nonexistent/focus" },
        { "Cpst:Billing:Focus:MaxRows", "0", "Cpst:Billing:Focus:MaxRows must be a positive number" },
        { "Cpst:Billing:Focus:MaxFileBytes", "10GB", "Cpst:Billing:Focus:MaxFileBytes: '10GB' is not a whole number" },
        { "Cpst:Billing:Focus:MaxFieldLength", "-1", "Cpst:Billing:Focus:MaxFieldLength must be a positive number" },
        { "Cpst:Billing:Focus:MaxAmountsPerFile", "0", "Cpst:Billing:Focus:MaxAmountsPerFile must be a positive number" },
        { "Cpst:Billing:Focus:MaxFiles", "0", "Cpst:Billing:Focus:MaxFiles must be a positive number" },
        { "Cpst:Billing:Focus:RescanSeconds", "0", "Cpst:Billing:Focus:RescanSeconds must be a positive number" },
        { "Cpst:Billing:Focus:SettleSeconds", "-1", "Cpst:Billing:Focus:SettleSeconds must be 0" },
        { "Cpst:Billing:Focus:Services:0", " ", "Cpst:Billing:Focus:Services:0 is empty" },
        { "Cpst:Billing:Focus:Providers:Amazon SageMaker", "aws sagemaker", "Cpst:Billing:Focus:Providers:Amazon SageMaker: 'aws sagemaker' is not a provider name" },
        { "Cpst:Billing:Focus:Providers:Amazon SageMaker", "", "Cpst:Billing:Focus:Providers:Amazon SageMaker: '' is not a provider name" },
    };

    [Theory]
    [MemberData(nameof(WrongValues))]
    public void Read_WrongValue_NamesTheKey(string key, string value, string message)
    {
        var refused = Assert.Throws<CpstConfigurationException>(() => Read((key, value)));

        Assert.StartsWith(message, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Nothing_LeavesTheImportOffWithItsDefaults()
    {
        FocusImportOptions focus = Read().Focus;

        Assert.False(focus.Enabled);
        Assert.Equal((10737418240L, 100_000_000L, 65_536, 100_000, 1_000, 60, 2),
            (focus.MaxFileBytes, focus.MaxRows, focus.MaxFieldLength, focus.MaxAmountsPerFile, focus.MaxFiles, focus.RescanSeconds, focus.SettleSeconds));
    }

    [Fact]
    public void Read_ServicesAndProviders_AreReadAndProvidersLowerCased()
    {
        string directory = Directory.CreateTempSubdirectory("cpst-focus-").FullName;
        try
        {
            FocusImportOptions focus = Read(("Cpst:Billing:Focus:Directory", directory), ("Cpst:Billing:Focus:Services:0", "Amazon SageMaker*"),
                ("Cpst:Billing:Focus:Providers:Amazon SageMaker", "AWS.SageMaker")).Focus;

            Assert.True(focus.Enabled);
            Assert.Equal(["Amazon SageMaker*"], focus.Services.Select(p => p.Text));
            Assert.Equal("aws.sagemaker", focus.Providers["amazon sagemaker"]);
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [Fact]
    public void KnownKeys_IncludeTheFocusKeys()
    {
        List<string> warnings = ConfigurationKeys.Unknown(new ConfigurationBuilder().AddInMemoryCollection([
            new("Cpst:Billing:Focus:Directory", "/x"), new("Cpst:Billing:Focus:Services:0", "a*"), new("Cpst:Billing:Focus:Providers:A", "a"),
            new("Cpst:Billing:Focus:RescanSeconds", "5"), new("Cpst:Billing:Focus:RescanSecond", "5"),
        ]).Build().GetSection("Cpst"));

        Assert.Equal(["unknown configuration key Cpst:Billing:Focus:RescanSecond is ignored; did you mean Cpst:Billing:Focus:RescanSeconds?"], warnings);
    }

    [Fact]
    public async Task Start_MissingDirectory_ExitsWithCode2NamingTheKey()
    {
        var (exitCode, output) = await ExporterProcess.RunToEndAsync("--Cpst:Billing:Focus:Directory=/nonexistent/focus-exports");

        Assert.Equal(2, exitCode);
        Assert.Contains("Cpst:Billing:Focus:Directory: no directory at /nonexistent/focus-exports", output, StringComparison.Ordinal);
    }
}
