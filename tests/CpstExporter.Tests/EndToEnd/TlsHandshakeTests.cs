using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// What a TLS listener does with clients that never finish TLS: plaintext sent to it, and many connections that stop
/// in the handshake or never start it. Each is closed or left to its timeout, and a real TLS client is served the whole
/// time.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class TlsHandshakeTests : IDisposable
{
    private readonly TestCertificate _certificate = new();

    public void Dispose() => _certificate.Dispose();

    private Task<ExporterUnderTest> StartAsync() => _certificate.StartExporterAsync("OtlpGrpc", "OtlpHttp");

    /// <summary>One export over TLS on a new connection that must be answered 200 within <paramref name="seconds"/>.</summary>
    private async Task AssertTlsClientServedAsync(ExporterUnderTest exporter, int trace, int seconds = 2)
    {
        using HttpClient client = _certificate.TrustingClient();
        var content = new ByteArrayContent(Spans.Request("tls-bot", Spans.Root(trace, Spans.Attr("outcome", "success"))).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        using HttpResponseMessage response = await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content, deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Reads until the server closes the connection (or resets it); fails if it is still open after 30 s.</summary>
    private static async Task AssertClosedByServerAsync(NetworkStream stream)
    {
        byte[] buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0) { } // a TLS alert may come first
        }
        catch (IOException)
        {
            // reset rather than closed: closed all the same
        }
    }

    public static TheoryData<string, string> Plaintext => new()
    {
        { "OtlpHttp", "POST /v1/traces HTTP/1.1\r\nHost: exporter\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n" },
        { "OtlpHttp", "GET / HTTP/1.0\r\n\r\n" },
        { "OtlpGrpc", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" }, // the HTTP/2 preface of an h2c client
        { "OtlpGrpc", "POST /v1/traces HTTP/1.1\r\nHost: exporter\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(Plaintext))]
    public async Task PlaintextToTlsListener_ConnectionClosedAndTlsClientsServedAfter(string listener, string plaintext)
    {
        await using ExporterUnderTest exporter = await StartAsync();
        Uri address = listener == "OtlpGrpc" ? exporter.GrpcAddress : exporter.HttpAddress;

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(address.Host, address.Port);
            NetworkStream stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(plaintext));
            await AssertClosedByServerAsync(stream);
        }

        await AssertTlsClientServedAsync(exporter, 1, seconds: 30);
        Assert.Equal(1, exporter.Tasks.PendingCount);
    }

    [Fact]
    public async Task UnfinishedHandshakes_TwoHundredHeldOpen_TlsClientStillServed()
    {
        await using ExporterUnderTest exporter = await StartAsync();
        // A TLS record header announcing a ClientHello of 512 bytes, and the first few of them: the server waits for the rest.
        byte[] partialHello = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03];
        await AssertTlsClientServedAsync(exporter, 1, seconds: 30); // the first handshake of the run loads and compiles its code
        var held = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 200; i++)
            {
                var tcp = new TcpClient();
                held.Add(tcp);
                await tcp.ConnectAsync(exporter.HttpAddress.Host, exporter.HttpAddress.Port);
                if (i % 2 == 0) await tcp.GetStream().WriteAsync(partialHello); // the other half send nothing
            }

            await AssertTlsClientServedAsync(exporter, 2);
            await AssertTlsClientServedAsync(exporter, 3);
            Assert.Equal(3, exporter.Tasks.PendingCount);
        }
        finally
        {
            foreach (TcpClient tcp in held) tcp.Dispose();
        }

        await AssertTlsClientServedAsync(exporter, 4);
    }
}
