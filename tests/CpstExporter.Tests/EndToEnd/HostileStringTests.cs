using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Names that are no fit for a label (invalid UTF-8, control characters, separators, lone surrogates, 100,000
/// characters, an injected line) in every attribute that becomes one, over gRPC, OTLP/HTTP protobuf and OTLP/JSON: each
/// becomes one label value by one rule, the same in the text exposition, in OpenMetrics and in the task API, and
/// every answer stays what its format's strictest reader accepts.
/// </summary>
public sealed class HostileStringTests
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [RequiresBinaryFact("promtool")]
    public async Task Export_HostileNames_OneLabelValueInBothExpositionsAndTheTaskApi()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        using var client = new HttpClient();
        var traces = new List<(int Trace, HostileString Value)>();
        int next = 1;
        foreach (HostileString value in HostileStrings.All)
        {
            if (!value.JsonOnly)
            {
                int grpc = next++;
                using (HttpResponseMessage response = await GrpcCall.SendAsync(client, exporter.GrpcAddress, HostileStrings.Protobuf(grpc, value)))
                    Assert.True(GrpcCall.Status(response) == 0, $"{value}: grpc-status {GrpcCall.Status(response)} {GrpcCall.Message(response)}");
                int protobuf = next++;
                await PostAsync(client, exporter, HostileStrings.Protobuf(protobuf, value), "application/x-protobuf", value);
                traces.Add((grpc, value));
                traces.Add((protobuf, value));
            }
            int json = next++;
            await PostAsync(client, exporter, HostileStrings.Json(json, value), "application/json", value);
            traces.Add((json, value));
        }
        exporter.Settle();

        string text = await ScrapeStrictAsync(client, exporter, accept: null);
        string openMetrics = await ScrapeStrictAsync(client, exporter, "application/openmetrics-text; version=1.0.0");
        Assert.Equal("", await Promtool.ProblemsAsync(text));
        Assert.Equal("", await Promtool.OpenMetricsProblemsAsync(openMetrics));
        foreach (HostileString value in HostileStrings.All)
        {
            string e = HostileStrings.Escaped(value.Expected);
            // A provider is one whatever the case of its ASCII letters: written lower-case (docs/conventions.md).
            string provider = HostileStrings.Escaped(new string(value.Expected.Select(c => c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c).ToArray()));
            decimal tasks = traces.Count(t => t.Value == value);
            foreach (string exposition in new[] { text, openMetrics })
            {
                Assert.Equal(tasks, MetricsText.Value(exposition, $"cpst_tasks_total{{use_case=\"{e}\",outcome=\"success\",model=\"{e}\",environment=\"{e}\",variant=\"{e}\"}}"));
                Assert.Equal(tasks, MetricsText.Value(exposition, $"cpst_llm_calls_total{{use_case=\"{e}\",provider=\"{provider}\",model=\"{e}\"}}"));
                Assert.Equal(tasks, MetricsText.Value(exposition, $"cpst_tool_calls_total{{use_case=\"{e}\",tool=\"{e}\"}}"));
            }
        }
        // Nothing else: every task is under its value's labels.
        Assert.Equal(traces.Count, MetricsText.Sum(text, "cpst_tasks_total"));

        var (status, rows) = await StrictJson.GetAsync(client, new Uri(exporter.MetricsAddress, "/api/v1/tasks?limit=1000"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(traces.Count, rows.RootElement.GetArrayLength());
        foreach (var (trace, value) in traces)
        {
            JsonElement row = rows.RootElement.EnumerateArray().Single(r => r.GetProperty("trace_id").GetString() == Spans.TraceHex(trace));
            foreach (string field in new[] { "use_case", "model", "environment", "variant" })
                Assert.Equal(value.Expected, row.GetProperty(field).GetString());

            var (one, task) = await StrictJson.GetAsync(client, new Uri(exporter.MetricsAddress, $"/api/v1/tasks/{Spans.TraceHex(trace)}"));
            Assert.Equal(HttpStatusCode.OK, one);
            Assert.All(task.RootElement.GetProperty("calls").EnumerateArray(), call => Assert.Equal(value.Expected, call.GetProperty("name").GetString()));
        }
        var (useCasesStatus, useCases) = await StrictJson.GetAsync(client, new Uri(exporter.MetricsAddress, "/api/v1/use_cases"));
        Assert.Equal(HttpStatusCode.OK, useCasesStatus);
        Assert.Equal(HostileStrings.All.Select(v => v.Expected).Order(StringComparer.Ordinal), useCases.RootElement.EnumerateArray().Select(u => u.GetString()!));

        // A filter given the value as the API shows it finds its tasks: the query string is read by the same rule.
        foreach (HostileString value in HostileStrings.All)
        {
            var (_, found) = await StrictJson.GetAsync(client, new Uri(exporter.MetricsAddress, $"/api/v1/tasks?use_case={Uri.EscapeDataString(value.Expected)}&model={Uri.EscapeDataString(value.Expected)}"));
            Assert.Equal(traces.Count(t => t.Value == value), found.RootElement.GetArrayLength());
            // So does the name as the spans carried it, percent-encoded byte for byte (valid UTF-8 that fits a URL).
            if (value.JsonOnly || value.Utf8.Length > 1000 || !IsUtf8(value.Utf8)) continue;
            string raw = string.Concat(value.Utf8.Select(b => $"%{b:X2}"));
            var (_, sent) = await StrictJson.GetAsync(client, new Uri(exporter.MetricsAddress, $"/api/v1/tasks?use_case={raw}&variant={raw}"));
            Assert.True(traces.Count(t => t.Value == value) == sent.RootElement.GetArrayLength(), $"{value}: {sent.RootElement}");
        }
    }

    private static bool IsUtf8(byte[] bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

    private static async Task PostAsync(HttpClient client, ExporterUnderTest exporter, byte[] body, string contentType, HostileString value)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using HttpResponseMessage response = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        string answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{value} as {contentType}: {(int)response.StatusCode} {answer}");
        Assert.DoesNotContain("partial", answer, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A scrape's bytes, which must be valid UTF-8: a string decoder would replace what is not and hide it.</summary>
    private static async Task<string> ScrapeStrictAsync(HttpClient client, ExporterUnderTest exporter, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(exporter.MetricsAddress, "/metrics"));
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        using HttpResponseMessage response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return StrictUtf8.GetString(await response.Content.ReadAsByteArrayAsync());
    }
}
