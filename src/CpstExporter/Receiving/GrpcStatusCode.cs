namespace CpstExporter.Receiving;

/// <summary>The gRPC status codes of the google.rpc.Status bodies that OTLP/HTTP error answers carry.</summary>
internal static class GrpcStatusCode
{
    public const int InvalidArgument = 3;
    public const int ResourceExhausted = 8;
    public const int Unavailable = 14;
    public const int Unauthenticated = 16;
}
