using CpstExporter.Aggregation;
using CpstExporter.Exposition;
using CpstExporter.Hosting;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Support;

/// <summary>
/// The real service on loopback ports chosen by the OS, with a <see cref="FakeTimeProvider"/> for its clock and optional
/// extra configuration. The service's timers (the sweeper, checkpoints, price table reloads) run on that clock: they fire
/// when a test advances it past their time, never on their own.
/// </summary>
internal sealed class ExporterUnderTest : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ExporterUnderTest(WebApplication app, FakeTimeProvider clock)
    {
        _app = app;
        Clock = clock;
    }

    public FakeTimeProvider Clock { get; }
    public Uri GrpcAddress => _app.Services.GetRequiredService<ListenerBinding>().Address(Listener.OtlpGrpc);
    public Uri HttpAddress => _app.Services.GetRequiredService<ListenerBinding>().Address(Listener.OtlpHttp);
    public Uri MetricsAddress => _app.Services.GetRequiredService<ListenerBinding>().Address(Listener.Metrics);
    public TaskAssembler Tasks => _app.Services.GetRequiredService<TaskAssembler>();
    public CpstMetrics Metrics => _app.Services.GetRequiredService<CpstMetrics>();
    public ReceiverCounters Receiving => _app.Services.GetRequiredService<ReceiverCounters>();
    public ExportGate Gate => _app.Services.GetRequiredService<ExportGate>();
    public IServiceProvider Services => _app.Services;

    /// <param name="clock">Shared with an earlier instance when a test restarts the service on the same state file; system
    /// tests that meet a real Prometheus start it at the real time so exemplar timestamps fall where Prometheus looks.</param>
    /// <param name="customize">Runs after the test's configuration is added, as <see cref="CpstHost.Build"/>'s hook.</param>
    public static async Task<ExporterUnderTest> StartAsync(IDictionary<string, string?>? settings = null, FakeTimeProvider? clock = null,
        Action<WebApplicationBuilder>? customize = null)
    {
        clock ??= new FakeTimeProvider(TestClock.Start);
        var config = new Dictionary<string, string?>
        {
            ["Cpst:Listen:OtlpGrpc"] = "http://127.0.0.1:0",
            ["Cpst:Listen:OtlpHttp"] = "http://127.0.0.1:0",
            ["Cpst:Listen:Metrics"] = "http://127.0.0.1:0",
            // The clock is fake: a drain would never end. The shutdown tests that need one set it.
            ["Cpst:Shutdown:DrainSeconds"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) config[key] = value;
        WebApplication app = CpstHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(config);
            builder.Services.AddSingleton<TimeProvider>(clock);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            customize?.Invoke(builder);
        });
        await app.StartAsync();
        return new ExporterUnderTest(app, clock);
    }

    /// <summary>Moves the clock past the settle time and finishes what is due, as the sweeper would.</summary>
    /// <remarks>
    /// The clock is moved with <see cref="FakeTimeProvider.AdjustTime"/>, which leaves the timers as they were: were the
    /// service's sweeper woken too, it could take the due tasks first and still be sending them to the metrics when this
    /// returns and the test reads them.
    /// </remarks>
    public void Settle(double seconds = 6)
    {
        Clock.AdjustTime(Clock.GetUtcNow() + TimeSpan.FromSeconds(seconds));
        Sweep();
    }

    /// <summary>Finishes what is due now and hands it on, as one tick of the service's sweeper does.</summary>
    public void Sweep() => Services.GetRequiredService<TaskSweeper>().SweepOnce();

    public async Task<string> ScrapeAsync(string? accept = null, string? bearer = null)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(MetricsAddress, "/metrics"));
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        if (bearer is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        using HttpResponseMessage response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>
    /// The exposition as a scrape would read it, rendered in-process: still works after <see cref="StopAsync"/>, so a
    /// test can read the final values of a stopped instance (what a scrape at the moment of exit would have seen).
    /// </summary>
    public string Exposition()
    {
        var buffer = new ExpositionBuffer();
        _app.Services.GetRequiredService<MetricsWriter>().Write(buffer, ExpositionFormat.Text);
        return System.Text.Encoding.UTF8.GetString(buffer.Written.Span);
    }

    /// <summary>Stops as on SIGTERM: listeners close, requests in flight finish, the state file is written.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await _app.StopAsync();
    }

    private bool _stopped;

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
