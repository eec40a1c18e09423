using CpstExporter.Receiving;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace CpstExporter.Hosting;

/// <summary>
/// Ready: the host has started, is not stopping (nor refusing exports for shutdown), and the pending tasks are safe on disk — the last write of the state
/// file or its journal did not fail, or a checkpoint has succeeded since. Answers <c>GET /readyz</c> and, through
/// grpc-dotnet's health checks integration, <c>grpc.health.v1.Health/Check</c> on the OTLP/gRPC listener
/// (SERVING / NOT_SERVING), for load balancers and Kubernetes probes.
/// </summary>
internal sealed class ReadinessHealthCheck(IHostApplicationLifetime lifetime, ExportGate gate, TaskStateFile stateFile) : IHealthCheck
{
    /// <summary>Null when ready, else why not, in a line for a probe's log.</summary>
    public string? NotReadyReason
    {
        get
        {
            if (lifetime.ApplicationStopping.IsCancellationRequested || gate.IsClosed) return "stopping";
            if (!lifetime.ApplicationStarted.IsCancellationRequested) return "starting";
            return stateFile.Failure is string failure
                ? $"{failure}; pending tasks are not safe on disk until a checkpoint succeeds (see cpst_state_save_failures_total and the log, event id 304)"
                : null;
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(NotReadyReason is string reason ? HealthCheckResult.Unhealthy(reason) : HealthCheckResult.Healthy("serving"));
}
