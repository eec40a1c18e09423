using CpstExporter.Billing.CostApi;
using CpstExporter.Configuration;
using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Tests.Billing.CostApi;

/// <summary><c>Cpst:Billing:PollMinutes</c> and the providers' key files and URLs: defaults, what is accepted, and what stops the start.</summary>
public sealed class CostApiOptionsTests
{
    private static CpstSettings Read(params (string Key, string Value)[] values) =>
        CpstSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build().GetSection("Cpst"));

    [Fact]
    public void Read_NothingSet_PollsNothingHourly()
    {
        CostApiOptions options = Read().CostApi;

        Assert.Equal(60, options.PollMinutes);
        Assert.False(options.OpenAI.IsEnabled);
        Assert.False(options.Anthropic.IsEnabled);
        Assert.Equal(new Uri("https://api.openai.com"), options.OpenAI.BaseUrl);
        Assert.Equal(new Uri("https://api.anthropic.com"), options.Anthropic.BaseUrl);
    }

    [Fact]
    public void Read_Set_TakesTheValues()
    {
        CostApiOptions options = Read(("Cpst:Billing:PollMinutes", "15"), ("Cpst:Billing:OpenAI:AdminKeyFile", "/var/run/secrets/openai/key"),
            ("Cpst:Billing:Anthropic:AdminKeyFile", "/keys/anthropic"), ("Cpst:Billing:Anthropic:BaseUrl", "http://proxy.internal:8080/anthropic/")).CostApi;

        Assert.Equal(TimeSpan.FromMinutes(15), options.PollInterval);
        Assert.Equal("/var/run/secrets/openai/key", options.OpenAI.AdminKeyFile);
        Assert.Equal("/keys/anthropic", options.Anthropic.AdminKeyFile);
        // A proxy's path prefix is kept.
        Assert.Equal(new Uri("http://proxy.internal:8080/anthropic/v1/organizations/cost_report"), options.Anthropic.Resolve(AnthropicCostApi.Path));
        Assert.Equal(new Uri("https://api.openai.com/v1/organization/costs"), options.OpenAI.Resolve(OpenAiCostApi.Path));
    }

    public static TheoryData<string, string, string> Wrong => new()
    {
        { "Cpst:Billing:PollMinutes", "0", "Cpst:Billing:PollMinutes must be a whole number of minutes from 1 to 1440, not 0" },
        { "Cpst:Billing:PollMinutes", "-5", "Cpst:Billing:PollMinutes must be a whole number of minutes from 1 to 1440, not -5" },
        { "Cpst:Billing:PollMinutes", "1441", "Cpst:Billing:PollMinutes must be a whole number of minutes from 1 to 1440, not 1441" },
        { "Cpst:Billing:PollMinutes", "hourly", "Cpst:Billing:PollMinutes must be a whole number of minutes from 1 to 1440, not 'hourly'" },
        { "Cpst:Billing:OpenAI:BaseUrl", "api.openai.com", "Cpst:Billing:OpenAI:BaseUrl must be an http:// or https:// URL" },
        { "Cpst:Billing:OpenAI:BaseUrl", "ftp://api.openai.com", "Cpst:Billing:OpenAI:BaseUrl must be an http:// or https:// URL" },
        { "Cpst:Billing:Anthropic:BaseUrl", "https://user:secret@proxy.internal", "Cpst:Billing:Anthropic:BaseUrl must be an http:// or https:// URL without credentials" },
        { "Cpst:Billing:Anthropic:BaseUrl", "https://proxy.internal/?x=1", "Cpst:Billing:Anthropic:BaseUrl must be an http:// or https:// URL without credentials, query or fragment" },
    };

    [Theory]
    [MemberData(nameof(Wrong))]
    public void Read_WrongValue_NamesTheKey(string key, string value, string expected)
    {
        var error = Assert.Throws<CpstConfigurationException>(() => Read((key, value)));

        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void Keys_AreKnown_SoNoneIsWarnedAbout()
    {
        IConfigurationSection cpst = new ConfigurationBuilder().AddInMemoryCollection(
            CostApiOptions.Keys.Select(k => KeyValuePair.Create("Cpst:" + k, (string?)"1"))).Build().GetSection("Cpst");

        Assert.Empty(ConfigurationKeys.Unknown(cpst));
    }

    [Fact]
    public async Task Start_PollMinutesZero_Exit2NamingTheKey()
    {
        var (exitCode, output) = await ExporterProcess.RunToEndAsync("--check-config", "--Cpst:Billing:PollMinutes=0");

        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{output}");
        Assert.Equal("cpst-exporter: Cpst:Billing:PollMinutes must be a whole number of minutes from 1 to 1440, not 0", output.Trim());
    }
}
