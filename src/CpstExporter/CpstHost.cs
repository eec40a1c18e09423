using System.Diagnostics.Metrics;
using CpstExporter.Aggregation;
using CpstExporter.Auth;
using CpstExporter.Billing;
using CpstExporter.Billing.CostApi;
using CpstExporter.Billing.Focus;
using CpstExporter.Configuration;
using CpstExporter.Conventions;
using CpstExporter.Exposition;
using CpstExporter.Hosting;
using CpstExporter.Pricing;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using CpstExporter.Telemetry;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CpstExporter;

/// <summary>The composition root: reads configuration, builds the stages, binds the listeners and maps their routes.</summary>
internal static class CpstHost
{
    public static readonly string Version = typeof(CpstHost).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <param name="customize">Lets tests add configuration or replace the <see cref="TimeProvider"/> before composition.</param>
    /// <exception cref="CpstConfigurationException">A configuration value is wrong, or a listener cannot bind; the message names the key.</exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        WebApplicationBuilder builder = CreateBuilder(args, customize);
        CpstSettings settings = CpstSettings.Read(builder.Configuration.GetSection("Cpst"));
        // First, so the SDK is listening before the services whose events it records start.
        OtlpSignals ownTelemetry = SelfTelemetry.AddIfConfigured(builder, Version);
        long? openFileLimit = OpenFileLimit.Read();
        List<string> warnings = ConfigurationCheck.Run(builder.Configuration, settings, openFileLimit);
        ListenerBinding.Probe(settings.Listen);

        int maxConnections = ConnectionLimit.PerListener(settings.MaxConnections, openFileLimit);
        var binding = new ListenerBinding(maxConnections);
        builder.WebHost.UseKestrelHttpsConfiguration(); // the slim builder leaves out TLS; https:// listeners need it
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // enforced by the receivers, after decompression
            ConfigureConnectionTimeouts(kestrel.Limits);
            binding.Bind(kestrel, settings.Listen);
        });

        IServiceCollection services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        // Sockets read into 64 KiB blocks, not Kestrel's 4 KiB: a sixteenth of the read calls for large exports.
        services.AddSingleton<ReceiveBufferPoolFactory>();
        services.AddSingleton<IMemoryPoolFactory<byte>>(sp => sp.GetRequiredService<ReceiveBufferPoolFactory>());
        // The whole stop (ShutdownSequence): exports in flight, the save, the drain, closing. Shorter than the grace period
        // Kubernetes and the compose file grant before SIGKILL (45 s), so nothing is cut off.
        services.Configure<HostOptions>(host => host.ShutdownTimeout = settings.Shutdown.HostTimeout);
        services.AddSingleton(settings.Shutdown);
        services.AddSingleton(binding);
        services.AddSingleton(settings.Pricing);
        services.AddSingleton(settings.Tasks);
        services.AddSingleton(settings.Receiver);
        services.AddSingleton<ExportGate>();
        services.AddSingleton<ReceiverCounters>();
        services.AddSingleton(sp => new ExportAdmission(new BearerTokens(settings.Auth.Tokens), sp.GetRequiredService<ExportGate>(),
            sp.GetRequiredService<ReceiverCounters>(), settings.Receiver, sp.GetService<CpstTelemetry>()));
        services.AddSingleton(new LabelValueCache());
        services.AddSingleton(sp => new SpanFactsReader(sp.GetRequiredService<LabelValueCache>(), settings.Conventions, settings.Plausible));
        services.AddSingleton<PriceTableProvider>();
        services.AddHostedService(sp => sp.GetRequiredService<PriceTableProvider>());
        services.AddSingleton(new ExchangeRates(settings.Pricing.ExchangeRates));
        services.AddSingleton<BatchPricer>();
        services.AddFocusImport(settings.Focus); // when Cpst:Billing:Focus:Directory is set; hands the bill to the IBillSink
        services.AddSingleton(new RecentTasks(settings.Tasks.RecentTasks));
        services.AddSingleton(sp => new CpstMetrics(settings.MaxSeriesPerMetric, settings.UseCases, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<TaskApiEndpoint>();
        services.AddSingleton<UseCaseReloader>();
        services.AddHostedService(sp => sp.GetRequiredService<UseCaseReloader>());
        services.AddSingleton(new OutcomePolicies(UseCaseOptions.Policies(settings.UseCases)));
        services.AddSingleton<TaskAssembler>();
        AddBilling(services, settings);
        services.AddSingleton<TaskDecisionDelivery>();
        services.AddSingleton<TaskSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<TaskSweeper>());
        services.AddSingleton<TaskStateFile>();
        services.AddHostedService(sp => sp.GetRequiredService<TaskStateFile>());
        services.AddHostedService<ShutdownSequence>();
        services.AddSingleton<SpanPipeline>();
        services.AddSingleton<ISpanBatchSink>(sp => sp.GetRequiredService<SpanPipeline>());
        services.AddSingleton<IOutcomeSink>(sp => sp.GetRequiredService<SpanPipeline>());
        // Decoding keeps only the attributes the conventions read.
        services.AddSingleton(sp => new SpanBatchPool(settings.Receiver, sp.GetRequiredService<SpanFactsReader>().SpanKeys,
            sp.GetRequiredService<SpanFactsReader>().ResourceKeys));
        services.AddSingleton<OtlpGrpcReceiver>();
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = settings.Receiver.MaxRequestBytes; // checked against the prefix, before the message is read
            grpc.CompressionProviders = [new BoundedGzipCompressionProvider(settings.Receiver.MaxRequestBytes)];
        }).AddServiceOptions<OtlpGrpcReceiver>(export => export.Interceptors.Add<ExportGateInterceptor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<OtlpGrpcReceiver>, OtlpGrpcMethodProvider>());
        services.AddSingleton<ExportGateInterceptor>();
        services.AddSingleton<ReadinessHealthCheck>();
        services.AddGrpcHealthChecks().AddCheck<ReadinessHealthCheck>("ready");
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, ListenerMatcherPolicy>());
        // One receiver per OTLP/HTTP path; they differ only in the reader and the response message.
        foreach (ExportSignal signal in Enum.GetValues<ExportSignal>())
            services.AddKeyedSingleton(signal, (sp, _) => new OtlpHttpReceiver(sp.GetRequiredService<ISpanBatchSink>(),
                sp.GetRequiredService<SpanBatchPool>(), settings.Receiver, sp.GetRequiredService<ReceiverCounters>(), signal));
        services.AddSingleton<OutcomeApiReceiver>();
        services.AddSingleton(new ProcessMetrics());
        services.AddSingleton(sp => new RuntimeMetrics(sp.GetRequiredService<IMeterFactory>(), settings.DeprecatedMetricNames));
        services.AddSingleton(sp => new MetricsWriter(sp.GetRequiredService<CpstMetrics>(), sp.GetRequiredService<ReceiverCounters>(),
            sp.GetRequiredService<ProcessMetrics>(),
            () => sp.GetRequiredService<PriceTableProvider>().Current.Version, Version,
            () => sp.GetRequiredService<PriceTableProvider>().ReloadFailures, sp.GetRequiredService<RuntimeMetrics>(),
            sp.GetRequiredService<TaskAssembler>(), sp.GetRequiredService<TaskStateFile>(),
            sp.GetRequiredService<BillStore>(), sp.GetRequiredService<TracedCostLedger>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<MetricsEndpoint>();
        services.AddCostApiPollers(settings.CostApi);

        WebApplication app = builder.Build();
        // Listening before Kestrel starts, so every connection it counts up it also counts down here.
        app.Services.GetRequiredService<RuntimeMetrics>();

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        ILogger log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CpstExporter");
        foreach (string warning in warnings) CpstHostLog.ConfigurationWarning(log, warning);
        if (ownTelemetry.Any) CpstHostLog.OwnTelemetry(log, ownTelemetry.ToString());
        CpstHostLog.ConnectionLimit(log, maxConnections, settings.MaxConnections is not null ? "Cpst:Limits:MaxConnections"
            : openFileLimit is long files && maxConnections < ConnectionLimit.DefaultMax ? $"the default, lowered to fit the open-file limit of {files}" : "the default");
        lifetime.ApplicationStarted.Register(() =>
        {
            foreach (Listener listener in Enum.GetValues<Listener>()) CpstHostLog.Listening(log, listener, binding.Address(listener));
        });

        ListenerRoutes.Map(app, new BearerTokens(settings.Auth.MetricsTokens));
        return app;
    }

    /// <summary>
    /// The billing stage (docs/billing.md): the bill store, which the bill sources resolve as <see cref="IBillSink"/>, the
    /// ledger of traced cost, kept in the state file as one of its sections, the billing API and the allocation of
    /// untraced spend.
    /// </summary>
    private static void AddBilling(IServiceCollection services, CpstSettings settings)
    {
        services.AddSingleton(settings.Reconciliation);
        services.AddSingleton<BillStore>();
        services.AddSingleton<IBillSink>(sp => sp.GetRequiredService<BillStore>());
        // Allocated amounts accrue once a checkpoint holding them is on disk, when checkpoints are on.
        bool accrueWhenSaved = !string.IsNullOrWhiteSpace(settings.Tasks.StateFile) && settings.Tasks.CheckpointSeconds > 0;
        services.AddSingleton(sp => new TracedCostLedger(settings.MaxSeriesPerMetric, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<CpstMetrics>().Supporting, accrueWhenSaved, settings.Reconciliation.AllocateUntraced,
            sp.GetRequiredService<ILogger<TracedCostLedger>>()));
        services.AddSingleton<IStateSection>(sp => sp.GetRequiredService<TracedCostLedger>());
        services.AddSingleton<UntracedAllocation>();
        services.AddSingleton<UntracedAllocationService>();
        services.AddHostedService(sp => sp.GetRequiredService<UntracedAllocationService>());
        services.AddSingleton<BillingApiEndpoint>();
    }

    /// <summary>
    /// <c>Cpst:SettingsFile</c>: a JSON file of <c>Cpst</c> settings outside the install directory (a mounted config
    /// directory in a container), watched like <c>appsettings.json</c> so use case settings edited in it apply live.
    /// It ranks with the appsettings files: environment variables and the command line still override it.
    /// </summary>
    private static void AddSettingsFile(ConfigurationManager configuration)
    {
        KeepLastGoodSettings(configuration.Sources);
        if (configuration["Cpst:SettingsFile"] is not { Length: > 0 } file) return;
        string path = Path.GetFullPath(file);
        if (!File.Exists(path))
            throw new CpstConfigurationException($"Cpst:SettingsFile: no file at {path}; point it at a JSON settings file or leave it empty");
        var source = new SettingsFileSource { Path = path, Optional = false, ReloadOnChange = true };
        source.ResolveFileProvider(); // watches the file's directory
        IList<IConfigurationSource> sources = configuration.Sources;
        int afterJsonFiles = 0;
        for (int i = 0; i < sources.Count; i++)
            if (sources[i] is JsonConfigurationSource) afterJsonFiles = i + 1;
        sources.Insert(afterJsonFiles, source);
    }

    /// <summary>The watched appsettings files keep their last good values when rewritten broken (<see cref="SettingsFileProvider"/>).</summary>
    private static void KeepLastGoodSettings(IList<IConfigurationSource> sources)
    {
        for (int i = 0; i < sources.Count; i++)
            if (sources[i] is JsonConfigurationSource { ReloadOnChange: true } json and not SettingsFileSource) sources[i] = SettingsFileSource.From(json);
    }

    /// <summary>
    /// <c>--check-config</c>: everything a start checks except binding the ports (a running instance may hold
    /// them), then a one-line summary. Warnings go to <paramref name="warnings"/>.
    /// </summary>
    /// <exception cref="CpstConfigurationException">A configuration value is wrong; the message names the key.</exception>
    public static string CheckConfiguration(string[] args, TextWriter warnings)
    {
        WebApplicationBuilder builder = CreateBuilder(args, customize: null);
        CpstSettings settings = CpstSettings.Read(builder.Configuration.GetSection("Cpst"));
        OtlpSignals ownTelemetry = OtlpSignals.Read(builder.Configuration);
        foreach (string warning in ConfigurationCheck.Run(builder.Configuration, settings, OpenFileLimit.Read())) warnings.WriteLine($"cpst-exporter: warning: {warning}");
        string listeners = string.Join(", ", Enum.GetValues<Listener>().Select(l => $"{l} {settings.Listen.Endpoint(l)}"));
        return $"cpst-exporter: configuration OK ({listeners}; price table {string.Join(" + ", settings.Pricing.ResolvePaths())}; " +
            $"auth {(settings.Auth.Tokens.Count > 0 ? "on" : "off")}, metrics auth {(settings.Auth.MetricsTokens.Count > 0 ? "on" : "off")}" +
            (ownTelemetry.Any ? $"; own telemetry over OTLP: {ownTelemetry})" : ")");
    }

    private static WebApplicationBuilder CreateBuilder(string[] args, Action<WebApplicationBuilder>? customize)
    {
        try
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
            customize?.Invoke(builder);
            AddSettingsFile(builder.Configuration);
            return builder;
        }
        catch (FormatException e)
        {
            throw new CpstConfigurationException($"command line: {e.Message.TrimEnd('.')}; pass settings as --Cpst:Key=value");
        }
        catch (InvalidDataException e)
        {
            // appsettings.json that is not JSON: the inner exception says where.
            throw new CpstConfigurationException($"{e.Message.TrimEnd('.')}: {e.InnerException?.Message ?? "invalid content"}");
        }
    }

    /// <summary>
    /// How long a connection may hold its place without doing its part, and how large its request headers may be;
    /// together with <c>Cpst:Limits:MaxConnections</c> these bound what idle, slow and abusive clients can take
    /// (docs/operations.md, "Connections" and "HTTP/2 and header abuse").
    /// </summary>
    private static void ConfigureConnectionTimeouts(KestrelServerLimits limits)
    {
        // Request headers arrive in one packet from every OTLP client and from Prometheus; a client that sends them a few
        // bytes at a time (slowloris) loses its connection after 10 s instead of Kestrel's 30 s.
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        // An idle connection (HTTP/1.1 between requests, HTTP/2 without a stream, or one that never sent a byte) is closed
        // after this. Kestrel's 130 s, kept and stated: longer than the idle timeouts of HTTP clients (.NET 60 s, Go and
        // the Collector 90 s) and than scrape intervals, so a client closes its idle connection before the server does
        // and never sends a request into a connection that is being closed.
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(130);
        // Streams one HTTP/2 connection may have open; more are refused by HTTP/2 itself. Kestrel's 100, stated: well
        // above what an exporter uses (the Collector's sending queue runs 10), and Cpst:Limits:MaxConcurrentExports
        // still bounds the exports processed at once.
        limits.Http2.MaxStreamsPerConnection = 100;
        // A request body must arrive at 240 bytes/s or more after a 5 s grace, and a response (a scrape) be read as fast:
        // Kestrel's defaults, stated, so a stalled sender or reader cannot keep its connection and the memory it holds.
        limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
        limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
        // Request headers: 32 KB in all, 16 KB for one HTTP/2 header field, in a header table of 4 KB. Kestrel's defaults,
        // stated: OTLP clients and Prometheus send under 1 KB; past these a request is refused, and an HTTP/2 header block
        // that goes on growing in CONTINUATION frames closes its connection with PROTOCOL_ERROR at once. A header block
        // that does not grow (empty CONTINUATION frames) is closed by RequestHeadersTimeout above.
        limits.MaxRequestHeadersTotalSize = 32 * 1024;
        limits.Http2.MaxRequestHeaderFieldSize = 16 * 1024;
        limits.Http2.HeaderTableSize = 4096;
        // Left off (Kestrel's default): the server's own keep-alive PINGs. Idle connections are closed by KeepAliveTimeout
        // above, and a connection that floods PINGs or SETTINGS by Hosting/Http2ControlFrameLimit.
        limits.Http2.KeepAlivePingDelay = TimeSpan.MaxValue;
    }
}
