using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// A model id that makes a price pattern of the operator's time out, sent to the built exporter as a real process:
/// the export is answered 200, the call is unpriced and counted, the other calls of the request are priced, and the
/// pattern is logged once however often it times out (docs/pricing.md).
/// </summary>
public sealed class PricePatternTimeoutTests : IDisposable
{
    /// <summary>Nested quantifiers and a backreference: exponential in a run of a's that does not end the id.</summary>
    private const string Backtracking = @"^(a+)+\1$";

    private static readonly HttpClient Client = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-pattern-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Export_ModelIdThatTimesOutAPattern_IsAnsweredOkAndTheCallIsUnpriced_AndThePatternIsLoggedOnce()
    {
        string pricing = Path.Combine(_dir, "pricing.yaml");
        await File.WriteAllTextAsync(pricing, $"""
            models:
              - name: evil
                pattern: '{Backtracking}'
                input: 1.00
                output: 1.00
              - name: gpt-4o
                input: 2.50
                output: 10.00
            """);
        await using ExporterProcess exporter = await ExporterProcess.StartAsync($"--Cpst:PricingFile={pricing}", "--Cpst:Tasks:SettleSeconds=1");

        // Ids of different lengths: each is a new lookup (lookups are cached per id), each times out.
        string[] crafted = [new string('a', 64) + "!", new string('a', 72) + "!", new string('a', 80) + "?"];
        for (int trace = 1; trace <= crafted.Length; trace++)
        {
            byte[] body = Spans.Request("reviewer",
                Spans.Root(trace, Spans.Attr("outcome", "success")),
                Spans.Llm(trace, 2, crafted[trace - 1], 1_000, 100),
                Spans.Llm(trace, 3, "gpt-4o", 1_000, 100)).ToByteArray();
            using var content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-protobuf") } };
            using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        string metrics = "";
        await Poll.UntilAsync(async () =>
        {
            metrics = await Client.GetStringAsync(new Uri(exporter.MetricsAddress, "/metrics"));
            return MetricsText.Sum(metrics, "cpst_tasks_total") == crafted.Length;
        }, "the tasks to be counted");
        foreach (string id in crafted)
            Assert.Equal(1m, MetricsText.Required(metrics, $"cpst_unpriced_llm_calls_total{{use_case=\"reviewer\",model=\"{id}\"}}"));
        // Only the gpt-4o calls cost: 1,000 × $2.50 + 100 × $10 per million tokens, three times.
        Assert.Equal(0.0105m, MetricsText.Sum(metrics, "cpst_task_cost_usd_total"));

        await Poll.UntilAsync(() => exporter.Output.Contains("took longer than", StringComparison.Ordinal), "the pattern to be logged");
        Assert.Equal(1, CountOf(exporter.Output, $"Price pattern '{Backtracking}' took longer than"));
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
