using System.Net.Http.Headers;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>No attribute value can break out of its label or add a line to the exposition, in either format.</summary>
public sealed class LabelEscapingTests
{
    /// <summary>The exporter's families, the process's, and the runtime's and Kestrel's under their OpenTelemetry names.</summary>
    private static readonly string[] OwnPrefixes = ["cpst_", "process_", "dotnet_", "kestrel_"];

    private const string Hostile = "evil\"} 1\n# EOF\ncpst_tasks_total{use_case=\"injected\"} 1e9\\";

    private static readonly string[] Values =
    [
        Hostile,
        "back\\slash\\",
        "quote\"quote",
        "line\nfeed",
        "\n# EOF",
        "carriage\rreturn",
        "tab\tand\u0000nul",
        new string('é', 63) + "\"\n" + new string('é', 10), // cut at 128 bytes next to an escape
        "\\n is not a newline",
    ];

    public static TheoryData<string> HostileValues => new(Values);

    private static async Task<(ExporterUnderTest Exporter, string Text, string OpenMetrics)> ExportAsync(string value)
    {
        ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        var request = Spans.Request([Spans.Attr("service.name", value), Spans.Attr("deployment.environment.name", value)],
            Spans.Root(1, Spans.Attr("cpst.use_case", value), Spans.Attr("cpst.variant", value), Spans.Attr("outcome", "success")),
            Spans.Llm(1, 2, value, 10, 10, Spans.Attr("gen_ai.provider.name", value)),
            Spans.Child(1, 3, Spans.Attr("gen_ai.operation.name", "execute_tool"), Spans.Attr("gen_ai.tool.name", value)));
        using var client = new HttpClient();
        var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        (await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content)).EnsureSuccessStatusCode();
        exporter.Settle();
        return (exporter, await exporter.ScrapeAsync(), await exporter.ScrapeAsync("application/openmetrics-text; version=1.0.0"));
    }

    [Theory]
    [MemberData(nameof(HostileValues))]
    public async Task Scrape_HostileAttributeValues_AddNoLines(string value)
    {
        var (exporter, text, openMetrics) = await ExportAsync(value);
        await using (exporter)
        {
            foreach (string exposition in new[] { text, openMetrics })
            {
                string[] lines = exposition.TrimEnd('\n').Split('\n');
                Assert.DoesNotContain(lines, l => l.StartsWith("cpst_tasks_total{use_case=\"injected\"", StringComparison.Ordinal));
                Assert.True(lines.Count(l => l == "# EOF") == (exposition == openMetrics ? 1 : 0), "a value added or removed a # EOF line");
                Assert.All(lines, l => Assert.True(l.StartsWith('#') || OwnPrefixes.Any(p => l.StartsWith(p, StringComparison.Ordinal)), $"line not a sample or comment: {l}"));
            }
            Assert.Equal(1m, MetricsText.Sum(text, "cpst_tasks_total"));
            Assert.Equal(1m, MetricsText.Sum(text, "cpst_tool_calls_total"));
        }
    }

    [RequiresBinaryFact("promtool")]
    public async Task Scrape_HostileAttributeValues_PromtoolReadsTheExposition()
    {
        foreach (string value in Values)
        {
            var (exporter, text, _) = await ExportAsync(value);
            await using (exporter)
            {
                string problems = await Promtool.ProblemsAsync(text);
                Assert.True(problems.Length == 0, $"for {value}: {problems}");
            }
        }
    }
}
