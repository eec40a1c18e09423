using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using CpstExporter.Hosting;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// <c>Cpst:Limits:MaxConnections</c> on the wire: connections past the limit of a listener are closed at accept, the
/// ones already open are served, and once they close the service takes new ones; under a low open-file limit the
/// default fits itself to it, so a flood of connections is refused instead of killing the process.
/// </summary>
public sealed class ConnectionLimitTests
{
    private const int Max = 8;
    private const int Extra = 4;

    [Fact]
    public async Task Connections_PastTheLimitOfEachListener_AreClosedAtAcceptAndTheServiceGoesOn()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:Limits:MaxConnections"] = Max.ToString(CultureInfo.InvariantCulture),
        });
        var binding = exporter.Services.GetRequiredService<ListenerBinding>();
        var held = new Dictionary<Listener, List<TcpClient>>();
        try
        {
            foreach (Listener listener in Enum.GetValues<Listener>())
            {
                Uri address = binding.Address(listener);
                held[listener] = [];
                for (int i = 0; i < Max; i++) held[listener].Add(await ConnectAsync(address));
                ConnectionLimit limit = binding.Connections(listener);
                await Poll.UntilAsync(() => limit.Open == Max, $"{Max} connections open on {listener}");

                // Raw connections that never send a byte, the cheapest way to hold a place: each one past the limit is closed.
                var extra = new List<TcpClient>();
                for (int i = 0; i < Extra; i++) extra.Add(await ConnectAsync(address));
                await Task.WhenAll(extra.Select(ClosedByServerAsync)).WaitAsync(TimeSpan.FromSeconds(30));
                foreach (TcpClient client in extra) client.Dispose();

                Assert.Equal(Max, limit.Open);
                Assert.Equal(Extra, limit.Refused);
            }

            // The connections inside the limit are served.
            Assert.StartsWith("HTTP/1.1 200", await RequestAsync(held[Listener.OtlpHttp][0],
                "POST /v1/traces HTTP/1.1\r\nHost: exporter\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"));
            Assert.StartsWith("HTTP/1.1 200", await RequestAsync(held[Listener.Metrics][0], "GET /healthz HTTP/1.1\r\nHost: exporter\r\n\r\n"));
            // A real gRPC client finds the listener full too, and can retry.
            using (var client = new HttpClient())
                await Assert.ThrowsAsync<HttpRequestException>(() => GrpcCall.SendAsync(client, exporter.GrpcAddress, []));
        }
        finally
        {
            foreach (TcpClient client in held.Values.SelectMany(c => c)) client.Dispose();
        }

        foreach (Listener listener in Enum.GetValues<Listener>())
            await Poll.UntilAsync(() => binding.Connections(listener).Open == 0, $"the connections to {listener} to close");

        // Room again: an export over each protocol and a scrape.
        using (var client = new HttpClient())
        {
            byte[] request = Spans.Request("after-the-flood", Spans.Root(1)).ToByteArray();
            using HttpResponseMessage grpc = await GrpcCall.SendAsync(client, exporter.GrpcAddress, request);
            Assert.Equal(0, GrpcCall.Status(grpc));
            var content = new ByteArrayContent(request);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            using HttpResponseMessage http = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
            Assert.Equal(HttpStatusCode.OK, http.StatusCode);
        }
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(2, MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"grpc\"}") + MetricsText.Required(metrics, "cpst_received_spans_total{protocol=\"http_protobuf\"}"));
        // The OTLP listeners' refusals count as overloaded (the extra raw connections and the gRPC client); the metrics
        // listener's are only logged.
        Assert.Equal(2 * Extra + 1, MetricsText.Required(metrics, "cpst_rejected_requests_total{reason=\"overloaded\"}"));
    }

    [Fact]
    public async Task Connections_BeyondTheOpenFileLimit_AreRefusedAndTheProcessLives()
    {
        if (!OperatingSystem.IsLinux()) return; // ulimit and /proc/self/limits
        const int OpenFiles = 512, Flood = 600;
        int fitted = (OpenFiles - ConnectionLimit.ReservedDescriptors) / 3;
        await using ExporterProcess exporter = await ExporterProcess.StartAsync(openFileLimit: OpenFiles);
        Assert.Contains($"Each listener accepts at most {fitted} connections at once (the default, lowered to fit the open-file limit of {OpenFiles})", exporter.Output);

        // More connections to one listener than the process may open files. Without the limit, accepting them used up its
        // descriptors, and the next thing that needed one (the first scrape loads assemblies) ended the process with
        // "Out of memory." and exit code 134.
        var flood = new List<TcpClient>();
        using var http = new HttpClient();
        try
        {
            for (int i = 0; i < Flood; i++) flood.Add(await ConnectAsync(exporter.HttpAddress));
            Task[] closed = flood.Select(ClosedByServerAsync).ToArray();
            await Poll.UntilAsync(() => closed.Count(t => t.IsCompleted) >= Flood - fitted, $"{Flood - fitted} connections closed at accept");
            Assert.Equal(Flood - fitted, closed.Count(t => t.IsCompleted));

            string scrape = await http.GetStringAsync(new Uri(exporter.MetricsAddress, "/metrics"));
            Assert.Equal(Flood - fitted, MetricsText.Required(scrape, "cpst_rejected_requests_total{reason=\"overloaded\"}"));
            Assert.False(exporter.HasExited, exporter.Output);
            Assert.Contains($"OtlpHttp has {fitted} connections open, its limit (Cpst:Limits:MaxConnections)", exporter.Output);
        }
        finally
        {
            foreach (TcpClient client in flood) client.Dispose();
        }

        await Poll.UntilAsync(async () =>
        {
            var content = new ByteArrayContent(Spans.Request("after-the-flood", Spans.Root(1)).ToByteArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            try
            {
                using HttpResponseMessage response = await http.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false; // the held connections are still closing
            }
        }, "an export once the flood is gone");
        Assert.False(exporter.HasExited, exporter.Output);
    }

    private static async Task<TcpClient> ConnectAsync(Uri address)
    {
        var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        return client;
    }

    /// <summary>Completes when the server closes the connection: the end of the stream, or a reset.</summary>
    private static async Task ClosedByServerAsync(TcpClient client)
    {
        try
        {
            byte[] buffer = new byte[64];
            while (await client.GetStream().ReadAsync(buffer) > 0)
            {
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Sends one HTTP/1.1 request on an open connection and reads the status line and headers of the answer.</summary>
    private static async Task<string> RequestAsync(TcpClient client, string request)
    {
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        return await RawHttp.ReadHeadAsync(stream);
    }
}
