namespace CpstExporter.Tests.Support;

/// <summary>
/// Tests of the exporter's own telemetry. The OpenTelemetry SDK listens process-wide (ASP.NET Core's request activities,
/// Kestrel's meters, the <c>CpstExporter</c> source), so requests to other tests' exporters running beside them would be
/// traced and counted too: they run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideTelemetry
{
    public const string Name = "process-wide telemetry";
}
