using System.Net.Http.Headers;
using System.Text.Json;

namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// Sends verdicts decided after a task ended to <c>POST /v1/outcomes</c>, in batches. With several exporter instances
/// behind a trace-routing collector, the outcome goes to every instance: the one holding the trace applies it
/// (docs/scaling.md). A failed post is counted, not retried: the task then finishes as <c>unknown</c>, which is what
/// the exporter would show for a lost review too.
/// </summary>
internal sealed class OutcomePoster(HttpClient http, IReadOnlyList<Uri> endpoints)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public int Posted { get; private set; }
    public int Failed { get; private set; }

    public async Task PostAsync(IReadOnlyList<(string TraceId, string Outcome)> outcomes, CancellationToken cancel)
    {
        if (outcomes.Count == 0 || endpoints.Count == 0) return;
        byte[] body = Body(outcomes);
        foreach (Uri endpoint in endpoints)
        {
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = Json;
                using HttpResponseMessage response = await http.PostAsync(endpoint, content, cancel).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) Posted += outcomes.Count;
                else Failed += outcomes.Count;
            }
            catch (Exception e) when ((e is HttpRequestException or TaskCanceledException) && !cancel.IsCancellationRequested)
            {
                Failed += outcomes.Count;
            }
        }
    }

    internal static byte[] Body(IReadOnlyList<(string TraceId, string Outcome)> outcomes)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("outcomes");
            foreach (var (traceId, outcome) in outcomes)
            {
                json.WriteStartObject();
                json.WriteString("trace_id", traceId);
                json.WriteString("outcome", outcome);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
