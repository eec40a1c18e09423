using CpstExporter.Aggregation;
using CpstExporter.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Tests.Support;

/// <summary>The real service on loopback ports chosen by the OS, with a manual clock and optional extra configuration.</summary>
internal sealed class ExporterUnderTest : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ExporterUnderTest(WebApplication app, ManualClock clock)
    {
        _app = app;
        Clock = clock;
    }

    public ManualClock Clock { get; }
    public Uri GrpcAddress => _app.Services.GetRequiredService<ListenerBinding>().Address(Listener.OtlpGrpc);
    public Uri HttpAddress => _app.Services.GetRequiredService<ListenerBinding>().Address(Listener.OtlpHttp);
    public Uri MetricsAddress => _app.Services.GetRequiredService<ListenerBinding>().Address(Listener.Metrics);
    public TaskAssembler Tasks => _app.Services.GetRequiredService<TaskAssembler>();
    public CpstMetrics Metrics => _app.Services.GetRequiredService<CpstMetrics>();

    /// <param name="clockStart">Where the manual clock starts; the default is a fixed date, system tests that meet a real
    /// Prometheus pass the real time so exemplar timestamps fall where Prometheus looks for them.</param>
    public static async Task<ExporterUnderTest> StartAsync(IDictionary<string, string?>? settings = null, DateTimeOffset? clockStart = null)
    {
        var clock = clockStart is { } start ? new ManualClock(start) : new ManualClock();
        var config = new Dictionary<string, string?>
        {
            ["Cpst:Listen:OtlpGrpc"] = "http://127.0.0.1:0",
            ["Cpst:Listen:OtlpHttp"] = "http://127.0.0.1:0",
            ["Cpst:Listen:Metrics"] = "http://127.0.0.1:0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) config[key] = value;
        WebApplication app = CpstHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(config);
            builder.Services.AddSingleton<TimeProvider>(clock);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        return new ExporterUnderTest(app, clock);
    }

    /// <summary>Moves the clock past the settle time and finishes what is due, as the sweeper would.</summary>
    public void Settle(double seconds = 6)
    {
        Clock.AdvanceSeconds(seconds);
        Tasks.Sweep();
    }

    public async Task<string> ScrapeAsync(string? accept = null)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(MetricsAddress, "/metrics"));
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        using HttpResponseMessage response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
