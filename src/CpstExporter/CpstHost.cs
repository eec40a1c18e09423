using CpstExporter.Aggregation;
using CpstExporter.Conventions;
using CpstExporter.Exposition;
using CpstExporter.Pricing;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace CpstExporter;

/// <summary>The composition root: reads configuration, builds the stages, binds the listeners and routes requests.</summary>
internal static class CpstHost
{
    public static readonly string Version = typeof(CpstHost).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <param name="customize">Lets tests add configuration or replace the <see cref="TimeProvider"/> before composition.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        customize?.Invoke(builder);
        IConfigurationSection cpst = builder.Configuration.GetSection("Cpst");
        CpstSettings settings = CpstSettings.Read(cpst);

        var binding = new ListenerBinding();
        builder.WebHost.UseKestrelHttpsConfiguration(); // the slim builder leaves out TLS; https:// listeners need it
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // enforced by the receivers, after decompression
            binding.Bind(kestrel, settings.Listen);
        });

        IServiceCollection services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(binding);
        services.AddSingleton(settings.Pricing);
        services.AddSingleton(settings.Tasks);
        services.AddSingleton(settings.Receiver);
        services.AddSingleton(new LabelValueCache());
        services.AddSingleton<SpanFactsReader>();
        services.AddSingleton<PriceTableProvider>();
        services.AddHostedService(sp => sp.GetRequiredService<PriceTableProvider>());
        services.AddSingleton(sp => new CpstMetrics(settings.MaxSeriesPerMetric, settings.UseCases, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ITaskSink>(sp => sp.GetRequiredService<CpstMetrics>());
        services.AddSingleton<TaskAssembler>();
        services.AddHostedService<TaskSweeper>();
        services.AddHostedService<TaskStateFile>();
        services.AddSingleton<SpanPipeline>();
        services.AddSingleton<ISpanBatchSink>(sp => sp.GetRequiredService<SpanPipeline>());
        services.AddSingleton<IOutcomeSink>(sp => sp.GetRequiredService<SpanPipeline>());
        services.AddSingleton<SpanBatchPool>();
        services.AddSingleton<OtlpGrpcReceiver>();
        services.AddSingleton<OtlpHttpReceiver>();
        services.AddSingleton<OutcomeApiReceiver>();
        services.AddSingleton(new ProcessMetrics());
        services.AddSingleton(sp => new MetricsWriter(sp.GetRequiredService<CpstMetrics>(), sp.GetRequiredService<ProcessMetrics>(),
            () => sp.GetRequiredService<PriceTableProvider>().Current.Version, Version));
        services.AddSingleton<MetricsEndpoint>();

        WebApplication app = builder.Build();
        var metrics = app.Services.GetRequiredService<CpstMetrics>();
        var assembler = app.Services.GetRequiredService<TaskAssembler>();
        metrics.PendingTasks = () => assembler.PendingCount;

        var grpc = app.Services.GetRequiredService<OtlpGrpcReceiver>();
        var http = app.Services.GetRequiredService<OtlpHttpReceiver>();
        var outcomes = app.Services.GetRequiredService<OutcomeApiReceiver>();
        var metricsEndpoint = app.Services.GetRequiredService<MetricsEndpoint>();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();

        app.Run(context =>
        {
            string path = context.Request.Path.Value ?? "";
            bool post = HttpMethods.IsPost(context.Request.Method), get = HttpMethods.IsGet(context.Request.Method);
            switch (ListenerBinding.Of(context))
            {
                case Listener.OtlpGrpc when path == OtlpGrpcReceiver.ExportPath && post:
                    return grpc.HandleAsync(context);
                case Listener.OtlpGrpc:
                    context.Response.ContentType = "application/grpc";
                    context.Response.Headers["grpc-status"] = GrpcStatusCode.Unimplemented.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    context.Response.Headers["grpc-message"] = OtlpGrpcReceiver.PercentEncode($"unknown method {path}: this server implements {OtlpGrpcReceiver.ExportPath}");
                    return Task.CompletedTask;
                case Listener.OtlpHttp when path == "/v1/traces":
                    return post ? http.HandleAsync(context) : MethodNotAllowed(context, "POST");
                case Listener.OtlpHttp when path == "/v1/outcomes":
                    return post ? outcomes.HandleAsync(context) : MethodNotAllowed(context, "POST");
                case Listener.Metrics when path == "/metrics":
                    return get ? metricsEndpoint.HandleAsync(context) : MethodNotAllowed(context, "GET");
                case Listener.Metrics when path == "/healthz":
                    return Text(context, StatusCodes.Status200OK, "ok\n");
                case Listener.Metrics when path == "/readyz":
                    bool ready = lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested;
                    return ready ? Text(context, StatusCodes.Status200OK, "ready\n") : Text(context, StatusCodes.Status503ServiceUnavailable, "not ready\n");
                default:
                    return Text(context, StatusCodes.Status404NotFound, "not found\n");
            }
        });
        return app;
    }

    private static Task MethodNotAllowed(HttpContext context, string allowed)
    {
        context.Response.Headers.Allow = allowed;
        return Text(context, StatusCodes.Status405MethodNotAllowed, $"use {allowed}\n");
    }

    private static Task Text(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(body);
    }
}
