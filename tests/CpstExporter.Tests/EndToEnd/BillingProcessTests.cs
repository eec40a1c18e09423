using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>The built exporter as a real process: the ledger of traced cost survives SIGTERM, and a call held across it counts once.</summary>
public sealed class BillingProcessTests : IDisposable
{
    private static readonly HttpClient Client = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("cpst-billing-process-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task SendAsync(Uri http, params Span[] spans) => OtlpHttpTraces.SendAsync(http, spans);

    /// <summary>The traced cost with OpenAI over the kept months, as the billing API shows it; 0 before any.</summary>
    private static async Task<decimal> TracedAsync(Uri metrics)
    {
        using JsonDocument rows = JsonDocument.Parse(await Client.GetStringAsync(new Uri(metrics, "/api/v1/billing?group_by=provider&provider=openai")));
        return rows.RootElement.EnumerateArray().Select(r => r.GetProperty("traced_usd").GetDecimal()).SingleOrDefault();
    }

    [Fact]
    public async Task Sigterm_LedgerIsKept_AndACallHeldAcrossItCountsOnce()
    {
        string[] settings = [$"--Cpst:Tasks:StateFile={Path.Combine(_dir, "state.json")}"];
        DateTimeOffset now = DateTimeOffset.UtcNow;

        await using (ExporterProcess first = await ExporterProcess.StartAsync(settings))
        {
            await SendAsync(first.HttpAddress, BillingSpans.Llm(1, 2, "openai", 0.25, now), BillingSpans.Root(1, "support", now));
            await SendAsync(first.HttpAddress, BillingSpans.Llm(2, 2, "openai", 0.5, now)); // held: its root comes after the restart
            Assert.Equal(0.25m, await TracedAsync(first.MetricsAddress));
            Assert.Equal(0, await first.SignalAsync("TERM"));
        }

        await using ExporterProcess second = await ExporterProcess.StartAsync(settings);
        Assert.Equal(0.25m, await TracedAsync(second.MetricsAddress));
        await SendAsync(second.HttpAddress, BillingSpans.Root(2, "support", now));
        Assert.Equal(0.75m, await TracedAsync(second.MetricsAddress));
        Assert.Equal(0, await second.SignalAsync("TERM"));
    }
}
