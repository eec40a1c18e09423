using CpstExporter.Receiving;

namespace CpstExporter.Tests.Receiving;

public sealed class ExportGateTests
{
    [Fact]
    public void TryEnter_UpToCapacity_ThenRefusesUntilOneExits()
    {
        var gate = new ExportGate(new ReceiverOptions { MaxConcurrentExports = 2 });

        Assert.True(gate.TryEnter());
        Assert.True(gate.TryEnter());
        Assert.False(gate.TryEnter());
        Assert.Equal(2, gate.InFlight); // a refused attempt leaves no trace
        gate.Exit();
        Assert.True(gate.TryEnter());
        Assert.False(gate.TryEnter());
    }

    [Fact]
    public async Task TryEnter_ManyThreadsAtOnce_NeverMoreThanCapacityInside()
    {
        var gate = new ExportGate(new ReceiverOptions { MaxConcurrentExports = 3 });
        int inside = 0, most = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                if (!gate.TryEnter()) continue;
                int now = Interlocked.Increment(ref inside);
                int seen;
                while ((seen = Volatile.Read(ref most)) < now && Interlocked.CompareExchange(ref most, now, seen) != seen) { }
                Interlocked.Decrement(ref inside);
                gate.Exit();
            }
        })));
        Assert.InRange(most, 1, 3);
        Assert.Equal(0, gate.InFlight);
    }

    [Fact]
    public void StatusDetailsHeader_IsUnpaddedBase64OfTheStatusWithRetryInfo()
    {
        string header = ExportResponses.StatusDetailsHeader(GrpcStatusCode.Unavailable, "busy", TimeSpan.FromMilliseconds(1500));
        Assert.DoesNotContain('=', header);
        byte[] bytes = Convert.FromBase64String(header + new string('=', (4 - header.Length % 4) % 4));
        var status = global::CpstExporter.Receiving.Rpc.Status.Parser.ParseFrom(bytes);
        Assert.Equal(14, status.Code);
        Assert.Equal("busy", status.Message);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), status.Details.Single().Unpack<global::CpstExporter.Receiving.Rpc.RetryInfo>().RetryDelay.ToTimeSpan());
    }

    [Fact]
    public void StatusJson_WithRetryDelay_UsesTheProtobufJsonMapping()
    {
        string json = System.Text.Encoding.UTF8.GetString(ExportResponses.StatusJson(14, "busy", TimeSpan.FromMilliseconds(1500)));
        Assert.Equal("{\"code\":14,\"message\":\"busy\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"1.5s\"}]}", json);
    }
}
