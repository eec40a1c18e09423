extern alias LoadGen;
using LoadGen::CpstExporter.LoadGen;
using LoadGen::CpstExporter.LoadGen.Demo;

namespace CpstExporter.Tests.LoadGen;

public sealed class DemoOptionsTests
{
    [Fact]
    public void Parse_OnlyEndpointOn4317_OutcomesGoTo4318()
    {
        DemoOptions options = DemoOptions.Parse(CommandLine.Parse(["demo", "--endpoint", "http://exporter:4317"]));

        Assert.Equal(new Uri("http://exporter:4318/v1/outcomes"), Assert.Single(options.Outcomes));
        Assert.Equal(Scenario.None, options.Plan.Scenario);
    }

    [Fact]
    public void Parse_EndpointOnOtherPort_AsksForOutcomesUrl()
    {
        var error = Assert.Throws<UsageException>(() => DemoOptions.Parse(CommandLine.Parse(["demo", "--endpoint", "http://127.0.0.1:5000"])));
        Assert.Contains("--outcomes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralOutcomeUrls_EachGetsThePath()
    {
        DemoOptions options = DemoOptions.Parse(CommandLine.Parse(
            ["demo", "--outcomes", "http://exporter-1:4318,http://exporter-2:4318/v1/outcomes", "--scenario", "tool-storm", "--rate", "0.5"]));

        Assert.Equal([new Uri("http://exporter-1:4318/v1/outcomes"), new Uri("http://exporter-2:4318/v1/outcomes")], options.Outcomes);
        Assert.Equal(Scenario.ToolStorm, options.Plan.Scenario);
        Assert.Equal("search-agent", options.Plan.Target.Name);
        Assert.Equal(0.5, options.Plan.TasksPerSecond);
    }

    [Theory]
    [InlineData("--scenario", "louder")]
    [InlineData("--use-case", "nobody")]
    [InlineData("--rate", "0")]
    [InlineData("--rate", "1,5")]
    public void Parse_BadValue_IsAUsageError(string option, string value)
    {
        Assert.Throws<UsageException>(() => DemoOptions.Parse(CommandLine.Parse(["demo", "--outcomes", "none", option, value])));
    }

    [Fact]
    public void RejectUnknown_MisspelledOption_IsAUsageError()
    {
        CommandLine line = CommandLine.Parse(["demo", "--outcomes", "none", "--scenrio", "growth"]);
        DemoOptions.Parse(line);

        var error = Assert.Throws<UsageException>(line.RejectUnknown);
        Assert.Contains("--scenrio", error.Message, StringComparison.Ordinal);
    }
}
