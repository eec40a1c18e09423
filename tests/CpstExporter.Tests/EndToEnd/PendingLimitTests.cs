using System.Net.Http.Headers;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// At <c>Cpst:Tasks:MaxPending</c> the oldest task finishes early (docs/design.md), but one request may do that to at
/// most a sixteenth of the pending tasks: a flood of new traces in one request cannot evict every other client's tasks.
/// </summary>
public sealed class PendingLimitTests
{
    private static readonly HttpClient Client = new();

    [Fact]
    public async Task Export_OneRequestOfNewTracesPastMaxPending_EvictsItsShareAndRefusesTheRestInPartialSuccess()
    {
        await using var exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?> { ["Cpst:Tasks:MaxPending"] = "32" });
        await PostAsync(exporter, Enumerable.Range(1, 32).Select(t => Spans.Root(t)).ToArray()); // other clients' tasks

        ExportTraceServiceResponse answer = await PostAsync(exporter, Enumerable.Range(100, 50).Select(t => Spans.Root(t)).ToArray());

        Assert.Equal(48, answer.PartialSuccess.RejectedSpans); // 32 / 16 = 2 tasks evicted for 2 new ones; 48 refused
        Assert.Contains("Cpst:Tasks:MaxPending", answer.PartialSuccess.ErrorMessage);
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(48m, MetricsText.Required(metrics, "cpst_rejected_spans_total{reason=\"pending_limit\"}"));
        Assert.Equal(34m, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"http_protobuf\"}"));
        Assert.Equal(2m, MetricsText.Required(metrics, "cpst_evicted_tasks_total"));
        Assert.Equal(32m, MetricsText.Required(metrics, "cpst_pending_tasks"));
    }

    private static async Task<ExportTraceServiceResponse> PostAsync(ExporterUnderTest exporter, Span[] spans)
    {
        using var content = new ByteArrayContent(Spans.Request("svc", spans).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
    }
}
