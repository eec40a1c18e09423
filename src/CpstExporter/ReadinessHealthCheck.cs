using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace CpstExporter;

/// <summary>
/// Ready: the host has started and is not stopping. Answers <c>GET /readyz</c> and, through grpc-dotnet's health
/// checks integration, <c>grpc.health.v1.Health/Check</c> on the OTLP/gRPC listener (SERVING / NOT_SERVING), for
/// load balancers and Kubernetes gRPC probes.
/// </summary>
internal sealed class ReadinessHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public bool IsReady => lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(IsReady ? HealthCheckResult.Healthy("serving")
            : HealthCheckResult.Unhealthy(lifetime.ApplicationStopping.IsCancellationRequested ? "stopping" : "starting"));
}
