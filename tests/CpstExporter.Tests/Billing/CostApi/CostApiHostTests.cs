using CpstExporter.Billing;
using CpstExporter.Billing.CostApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CpstExporter.Tests.Billing.CostApi;

/// <summary>The service polls a provider's cost API only when its admin key file is set, and hands what it reads to the bill sink.</summary>
public sealed class CostApiHostTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cpst-costapi-host-").FullName;
    private readonly string _key = "sk-admin-" + Guid.NewGuid().ToString("N");
    private readonly RecordingBillSink _sink = new();

    private string KeyFile => Path.Combine(_directory, "openai-admin-key");

    public Task InitializeAsync()
    {
        File.WriteAllText(KeyFile, _key);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Start_KeyFileSet_PollsAtStartIntoTheBillStore()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TestClock.Start);
        await using FakeCostApiServer server = await FakeCostApiServer.StartAsync(BillingSource.OpenAI, _key, clock);
        server.Lines = [new(new DateOnly(2026, 10, 20), "proj_x", "7.25")];

        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:Billing:OpenAI:AdminKeyFile"] = KeyFile,
            ["Cpst:Billing:OpenAI:BaseUrl"] = server.Address.ToString(),
        }, clock);

        // The host's own bill store takes the poll's two months.
        BillStore store = exporter.Services.GetRequiredService<BillStore>();
        await Poll.UntilAsync(() => store.View.Amounts.Count == 1, "the poll at start");
        Assert.Equal([new BilledAmount(new DateOnly(2026, 10, 20), "openai", "proj_x", 7.25m)], store.View.Amounts);
        Assert.Equal(0, store.Failures(BillingSource.OpenAI));
        Assert.Single(exporter.Services.GetServices<IHostedService>().OfType<CostApiPoller>(), p => p.Source == BillingSource.OpenAI);
    }

    [Fact]
    public async Task Start_NoKeyFile_PollsNothing()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(customize: builder => builder.Services.AddSingleton<IBillSink>(_sink));

        Assert.Empty(exporter.Services.GetServices<IHostedService>().OfType<CostApiPoller>());
    }
}
