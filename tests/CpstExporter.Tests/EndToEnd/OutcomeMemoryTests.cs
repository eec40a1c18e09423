using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Xunit.Abstractions;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// What a large outcome request costs the process, measured as its peak resident memory (VmHWM) in a real exporter
/// process: the outcomes are read where the body was received, so a request takes about its own size, not the many
/// times its size a copy, a parsed document and a string per outcome took. The bound asserted is the one
/// docs/operations.md states: at most <see cref="Multiple"/> times the body plus <see cref="Allowance"/>.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class OutcomeMemoryTests(ITestOutputHelper output)
{
    private const int Multiple = 3;
    private const long Allowance = 64L * 1024 * 1024;
    private const int BodyBytes = 60_000_000;

    private static readonly string TraceHex = Spans.TraceHex(42);

    /// <summary>Outcomes for one trace id, <paramref name="bytes"/> long at most: each one is held, replacing the last.</summary>
    private static byte[] OutcomesForOneTrace(int bytes, out int count)
    {
        byte[] entry = Encoding.UTF8.GetBytes($$"""{"trace_id":"{{TraceHex}}","outcome":"success"}""");
        count = (bytes - 16) / (entry.Length + 1);
        return Repeated("{\"outcomes\":["u8, entry, count, "]}"u8);
    }

    private static byte[] Repeated(ReadOnlySpan<byte> head, ReadOnlySpan<byte> entry, int count, ReadOnlySpan<byte> tail)
    {
        byte[] body = new byte[head.Length + count * (entry.Length + 1) - 1 + tail.Length];
        head.CopyTo(body);
        int at = head.Length;
        for (int i = 0; i < count; i++)
        {
            if (i > 0) body[at++] = (byte)',';
            entry.CopyTo(body.AsSpan(at));
            at += entry.Length;
        }
        tail.CopyTo(body.AsSpan(at));
        return body;
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, ExporterProcess exporter, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/outcomes"), content);
    }

    /// <summary>Starts the exporter and runs its outcome path once with a small request, so its code is loaded and compiled.</summary>
    private static async Task<ExporterProcess> StartWarmAsync(HttpClient client)
    {
        ExporterProcess exporter = await ExporterProcess.StartAsync();
        using HttpResponseMessage warm = await PostAsync(client, exporter, OutcomesForOneTrace(10_000, out _));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        return exporter;
    }

    /// <summary>Runs <paramref name="requests"/> and answers how much the peak resident memory rose above what was resident before.</summary>
    private async Task<long> PeakGrowthAsync(ExporterProcess exporter, Func<Task> requests)
    {
        exporter.ResetPeakResident();
        long before = exporter.ResidentBytes;
        await requests();
        long growth = exporter.PeakResidentBytes - before;
        output.WriteLine($"resident before {before / 1024 / 1024} MiB, peak growth {growth / 1024 / 1024} MiB");
        return growth;
    }

    private static async Task AssertServesAsync(HttpClient client, ExporterProcess exporter)
    {
        Assert.False(exporter.HasExited, exporter.Output);
        var content = new ByteArrayContent(Google.Protobuf.MessageExtensions.ToByteArray(Spans.Request("after", Spans.Root(7))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage export = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal(1m, MetricsText.Required(await client.GetStringAsync(new Uri(exporter.MetricsAddress, "/metrics")),
            "cpst_received_spans_total{protocol=\"http_protobuf\"}"));
    }

    [RequiresProcFact]
    public async Task Outcomes_SixtyMegabytesForOneTrace_PeakMemoryWithinASmallMultipleOfTheBody()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        await using ExporterProcess exporter = await StartWarmAsync(client);
        byte[] body = OutcomesForOneTrace(BodyBytes, out int count);

        string answer = "";
        long growth = await PeakGrowthAsync(exporter, async () =>
        {
            using HttpResponseMessage response = await PostAsync(client, exporter, body);
            answer = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });

        // Every outcome was applied to the one trace not seen yet: held, each replacing the one before.
        Assert.Equal($"{{\"applied\":0,\"unknown\":{count},\"late\":0,\"dropped\":0}}", answer);
        Assert.True(growth <= Multiple * (long)body.Length + Allowance, $"peak resident memory rose {growth / 1024 / 1024} MiB for a {body.Length / 1024 / 1024} MiB request");
        await AssertServesAsync(client, exporter);
    }

    [RequiresProcFact]
    public async Task Outcomes_MillionsOfEmptyObjects_Answers400WithinASmallMultipleOfTheBody()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        await using ExporterProcess exporter = await StartWarmAsync(client);
        // 29 MB of {}: a parsed document made it half a gigabyte.
        byte[] body = Repeated("{\"outcomes\":["u8, "{}"u8, 29_000_000 / 3, "]}"u8);

        string answer = "";
        long growth = await PeakGrowthAsync(exporter, async () =>
        {
            using HttpResponseMessage response = await PostAsync(client, exporter, body);
            answer = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        });

        Assert.Contains("outcomes[0].trace_id must be 32 hex digits", answer);
        Assert.True(growth <= Multiple * (long)body.Length + Allowance, $"peak resident memory rose {growth / 1024 / 1024} MiB for a {body.Length / 1024 / 1024} MiB request");
        Assert.Equal(1m, MetricsText.Required(await client.GetStringAsync(new Uri(exporter.MetricsAddress, "/metrics")),
            "cpst_rejected_requests_total{reason=\"malformed\"}"));
        await AssertServesAsync(client, exporter);
    }

    private const int Reposts = 12;

    [RequiresProcFact]
    public async Task Outcomes_SixtyMegabytesPostedAgainAndAgain_PeakMemoryDoesNotAddUp()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        await using ExporterProcess exporter = await StartWarmAsync(client);
        byte[] body = OutcomesForOneTrace(BodyBytes, out int count);

        long growth = await PeakGrowthAsync(exporter, async () =>
        {
            for (int i = 0; i < Reposts; i++)
            {
                using HttpResponseMessage response = await PostAsync(client, exporter, body);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal($"{{\"applied\":0,\"unknown\":{count},\"late\":0,\"dropped\":0}}", await response.Content.ReadAsStringAsync());
            }
        });

        // Not the sum of the requests: the bodies of earlier ones are not kept. A received body is garbage once answered,
        // but the garbage collector frees large objects when its budget says, not at once, so a few bodies' worth may
        // stand between collections; twelve requests that each kept theirs would take twice this bound.
        Assert.True(growth <= Reposts / 2 * (long)body.Length + Allowance,
            $"peak resident memory rose {growth / 1024 / 1024} MiB over {Reposts} {body.Length / 1024 / 1024} MiB requests");
        await AssertServesAsync(client, exporter);
    }
}
