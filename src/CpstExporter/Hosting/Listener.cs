namespace CpstExporter.Hosting;

/// <summary>Which of the three listeners a connection came in on; set on the connection by Kestrel middleware.</summary>
internal enum Listener
{
    OtlpGrpc,
    OtlpHttp,
    Metrics,
}
