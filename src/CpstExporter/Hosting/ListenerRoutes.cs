using CpstExporter.Auth;
using CpstExporter.Exposition;
using CpstExporter.Receiving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CpstExporter.Hosting;

/// <summary>
/// What each listener answers, as endpoints of ASP.NET Core's routing, each bound to its listener
/// (<see cref="RequireListener"/>). OTLP/HTTP: <c>POST /v1/traces</c>, <c>POST /v1/logs</c> and <c>POST /v1/outcomes</c>. Metrics:
/// <c>GET /metrics</c> and the task API behind <c>Cpst:Auth:MetricsTokens</c>, <c>/healthz</c> and <c>/readyz</c> open,
/// whatever the method. OTLP/gRPC: grpc-dotnet's trace and logs Export and health service. A known path asked with another method is
/// a 405 that names the method to use; any other path a 404 on the HTTP listeners and UNIMPLEMENTED on the gRPC one,
/// as a gRPC server answers.
/// </summary>
internal static class ListenerRoutes
{
    /// <param name="metricsTokens">The tokens of <c>Cpst:Auth:MetricsTokens</c>, asked of the scrape and the task API.</param>
    public static void Map(WebApplication app, BearerTokens metricsTokens)
    {
        IServiceProvider services = app.Services;
        var admission = services.GetRequiredService<ExportAdmission>();
        var traces = services.GetRequiredKeyedService<OtlpHttpReceiver>(ExportSignal.Traces);
        var logs = services.GetRequiredKeyedService<OtlpHttpReceiver>(ExportSignal.Logs);
        var outcomes = services.GetRequiredService<OutcomeApiReceiver>();
        var scrape = services.GetRequiredService<MetricsEndpoint>();
        var taskApi = services.GetRequiredService<TaskApiEndpoint>();
        var billingApi = services.GetRequiredService<BillingApiEndpoint>();
        var readiness = services.GetRequiredService<ReadinessHealthCheck>();

        app.UseRouting();
        // Between routing and the endpoint: it authenticates a call once it is known to be Export, before grpc-dotnet reads it.
        app.Use(admission.GrpcAsync);

        app.MapGrpcService<OtlpGrpcReceiver>().RequireListener(Listener.OtlpGrpc, exactPath: false);
        app.MapGrpcHealthChecksService().RequireListener(Listener.OtlpGrpc, exactPath: false);
        app.MapFallback("{**path}", Unimplemented).RequireListener(Listener.OtlpGrpc);

        app.MapPost(OtlpHttpReceiver.TracesPath, context => admission.RunAsync(context, traces)).RequireListener(Listener.OtlpHttp);
        app.MapPost(OtlpHttpReceiver.LogsPath, context => admission.RunAsync(context, logs)).RequireListener(Listener.OtlpHttp);
        app.MapPost("/v1/outcomes", context => admission.RunAsync(context, outcomes)).RequireListener(Listener.OtlpHttp);
        MapOtherMethods(app, Listener.OtlpHttp, "POST", OtlpHttpReceiver.TracesPath, OtlpHttpReceiver.LogsPath, "/v1/outcomes");
        app.MapFallback("{**path}", NotFound).RequireListener(Listener.OtlpHttp);

        app.MapGet("/metrics", Authorized(metricsTokens, scrape.HandleAsync)).RequireListener(Listener.Metrics);
        app.MapGet(TaskApiEndpoint.TasksPath, Authorized(metricsTokens, taskApi.TasksAsync)).RequireListener(Listener.Metrics);
        app.MapGet(TaskApiEndpoint.TaskPattern, Authorized(metricsTokens, taskApi.TaskAsync)).RequireListener(Listener.Metrics);
        app.MapGet(TaskApiEndpoint.UseCasesPath, Authorized(metricsTokens, taskApi.UseCasesAsync)).RequireListener(Listener.Metrics);
        app.MapGet(BillingApiEndpoint.Path, Authorized(metricsTokens, billingApi.BillingAsync)).RequireListener(Listener.Metrics);
        MapOtherMethods(app, Listener.Metrics, "GET", "/metrics", TaskApiEndpoint.TasksPath, TaskApiEndpoint.TaskPattern, TaskApiEndpoint.UseCasesPath,
            BillingApiEndpoint.Path);
        app.Map("/healthz", context => Text(context, StatusCodes.Status200OK, "ok\n")).RequireListener(Listener.Metrics);
        app.Map("/readyz", context => readiness.NotReadyReason is string notReady
            ? Text(context, StatusCodes.Status503ServiceUnavailable, $"not ready: {notReady}\n")
            : Text(context, StatusCodes.Status200OK, "ready\n")).RequireListener(Listener.Metrics);
        app.MapFallback("{**path}", NotFound).RequireListener(Listener.Metrics);
    }

    /// <summary>
    /// Answers the endpoint only on <paramref name="listener"/> (<see cref="ListenerMatcherPolicy"/>), and with
    /// <paramref name="exactPath"/> only to a path spelled as the route (routing alone ignores case and a trailing slash).
    /// </summary>
    public static TBuilder RequireListener<TBuilder>(this TBuilder builder, Listener listener, bool exactPath = true)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ListenerMetadata(listener, exactPath));

    /// <summary>
    /// Routing answers a known path asked with another method with an empty 405; the exporter's names the method. An
    /// endpoint without methods ranks below those with one, so it takes only the methods they do not.
    /// </summary>
    private static void MapOtherMethods(WebApplication app, Listener listener, string allowed, params string[] patterns)
    {
        foreach (string pattern in patterns)
            app.Map(pattern, context => MethodNotAllowed(context, allowed)).RequireListener(listener);
    }

    private static RequestDelegate Authorized(BearerTokens tokens, RequestDelegate next) => context =>
    {
        BearerCheck check = tokens.Check(context.Request);
        return check == BearerCheck.Allowed ? next(context) : Unauthorized(context, check);
    };

    private static Task Unimplemented(HttpContext context)
    {
        OtlpGrpcAnswers.Unimplemented(context.Response, context.Request.Path.Value ?? "");
        return Task.CompletedTask;
    }

    private static Task NotFound(HttpContext context) => Text(context, StatusCodes.Status404NotFound, "not found\n");

    private static Task Unauthorized(HttpContext context, BearerCheck check)
    {
        context.Response.Headers.WWWAuthenticate = check == BearerCheck.Invalid ? "Bearer error=\"invalid_token\"" : "Bearer";
        return Text(context, StatusCodes.Status401Unauthorized,
            "send 'Authorization: Bearer <token>' with one of Cpst:Auth:MetricsTokens (Prometheus: 'authorization: { credentials: <token> }' in the scrape config)\n");
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
