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
    public async Task Close_NothingInFlight_RefusesFromThenOn_AndIsIdleAtOnce()
    {
        var gate = new ExportGate(new ReceiverOptions { MaxConcurrentExports = 2 });
        gate.Close();

        Assert.True(gate.IsClosed);
        Assert.False(gate.TryEnter());
        Assert.Equal(0, gate.InFlight);
        Assert.True(await gate.WaitIdleAsync(TimeSpan.FromSeconds(30), CancellationToken.None));
    }

    [Fact]
    public async Task Close_WithRequestsInFlight_WaitIdleEndsWhenTheLastExits()
    {
        var gate = new ExportGate(new ReceiverOptions { MaxConcurrentExports = 4 });
        Assert.True(gate.TryEnter());
        Assert.True(gate.TryEnter());
        gate.Close();
        Task<bool> idle = gate.WaitIdleAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.False(gate.TryEnter());
        gate.Exit();
        Assert.False(idle.IsCompleted); // one is still being processed
        gate.Exit();
        Assert.True(await idle);
    }

    [Fact]
    public async Task Close_RequestStillInFlightAtTheTimeout_WaitIdleSaysSo()
    {
        var gate = new ExportGate(new ReceiverOptions { MaxConcurrentExports = 4 });
        Assert.True(gate.TryEnter());
        gate.Close();

        Assert.False(await gate.WaitIdleAsync(TimeSpan.FromMilliseconds(20), CancellationToken.None));
        Assert.Equal(1, gate.InFlight);
    }

    [Fact]
    public async Task Close_WhileManyThreadsEnter_NoneIsInsideOnceIdle_AndNoneEntersAfter()
    {
        for (int round = 0; round < 50; round++)
        {
            var gate = new ExportGate(new ReceiverOptions { MaxConcurrentExports = 8 });
            int inside = 0, enteredAfterIdle = 0;
            bool idle = false;
            using var started = new CountdownEvent(4);
            Task[] threads = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                started.Signal();
                for (int i = 0; i < 2_000; i++)
                {
                    if (!gate.TryEnter()) continue;
                    if (Volatile.Read(ref idle)) Interlocked.Increment(ref enteredAfterIdle);
                    Interlocked.Increment(ref inside);
                    Interlocked.Decrement(ref inside);
                    gate.Exit();
                }
            })).ToArray();
            started.Wait();
            gate.Close();
            Assert.True(await gate.WaitIdleAsync(TimeSpan.FromSeconds(30), CancellationToken.None));
            Volatile.Write(ref idle, true);
            Assert.Equal(0, Volatile.Read(ref inside));
            await Task.WhenAll(threads);
            Assert.Equal(0, enteredAfterIdle);
        }
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
